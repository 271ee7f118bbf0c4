using System.Text.Json;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Domains;
using EmailRelay.Api.Http;
using EmailRelay.Api.Idempotency;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using EmailRelay.Api.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.Emails;

public static class EmailsEndpoints
{
    // Base64 inflates attachments by 4/3 and JSON escaping adds more: leave room above the 10 MiB
    // MIME limit so an oversized message is answered by that rule (413 naming the limit), not this one.
    private const long MaxEmailBodyBytes = 16 * 1024 * 1024;
    private const long MaxBatchBodyBytes = 64 * 1024 * 1024;
    private const int MaxBatchItems = 500;

    internal static readonly string[] MessageStatuses =
        ["scheduled", "queued", "sending", "deferred", "delivered", "partially_delivered", "bounced", "failed", "suppressed"];

    public static IEndpointRouteBuilder MapEmailsApi(this IEndpointRouteBuilder app)
    {
        var emails = app.MapGroup("/v1/emails").WithTags("Emails");
        emails.MapPost("/", SendAsync).WithName("SendEmail").WithSummary("Accept one email for delivery")
            .RequireAuthorization(Scopes.Send).Accepts<SendEmailRequest>("application/json")
            .Produces<AcceptedEmail>(StatusCodes.Status202Accepted)
            .WithIdempotencyKey().WithLocationHeader(StatusCodes.Status202Accepted).WithValidatedQuery(ProjectQuery.Target)
            .WithSendRateLimit()
            .WithProblemResponse(StatusCodes.Status422UnprocessableEntity,
                "'from' is not at a verified sending domain of the project (Senders__RequireVerifiedDomain; 'errors' names from), " +
                "or this Idempotency-Key was used with a different request body.");
        emails.MapPost("/batch", SendBatchAsync).WithName("SendEmailBatch").WithSummary("Accept 1-500 emails, each on its own")
            .RequireAuthorization(Scopes.Send).Accepts<SendBatchRequest>("application/json")
            .Produces<BatchResponse>().WithIdempotencyKey().WithValidatedQuery(ProjectQuery.Target).WithSendRateLimit();
        emails.MapGet("/{id}", GetAsync).WithName("GetEmail").WithSummary("An email with its recipients and timeline")
            .RequireAuthorization(Scopes.Read);
        emails.MapGet("/{id}/attempts", GetAttemptsAsync).WithName("GetEmailAttempts").WithSummary("Every SMTP attempt, oldest first")
            .RequireAuthorization(Scopes.Read);
        emails.MapGet("/", ListAsync).WithName("ListEmails").WithSummary("Emails, newest first, filtered, keyset-paginated")
            .RequireAuthorization(Scopes.Read)
            .Produces<Page<EmailSummary>>().WithValidatedQuery(EmailListQuery.Parameters);
        return app;
    }

    private static async Task<IResult> SendAsync(HttpContext context, EmailPreparer preparer, EmailAcceptor acceptor,
        IdempotencyStore idempotency, ProjectStore projects, SendRateLimit rateLimit, SenderDomainCheck senders, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, MaxEmailBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<SendEmailRequest>(body.Body.Span, out var request, out var problem))
        {
            return problem!;
        }
        var caller = ApiCaller.From(context.User);
        var (project, projectProblem) = await TargetProjectAsync(context, caller, projects, cancellationToken);
        if (projectProblem is not null)
        {
            return projectProblem;
        }
        var prepared = preparer.Prepare(request!);
        if (prepared.Problem is not null)
        {
            return prepared.Problem;
        }
        var email = prepared.Email!;
        // Before the Idempotency-Key is claimed, like every other rule: a refusal stores nothing and leaves the key free.
        if ((await senders.RefusedAsync(project, [email.Email.From.Domain], cancellationToken)).Count > 0)
        {
            return SenderDomainCheck.Refusal(email.Email.From.Domain);
        }
        var location = $"/v1/emails/{email.Id}";
        return await IdempotentAsync(context, caller, idempotency, rateLimit, project, 1, body.Body, StatusCodes.Status202Accepted, location,
            completion => acceptor.AcceptAsync([email], project, caller.ApiKeyId, completion,
                suppressed => JsonSerializer.SerializeToUtf8Bytes(suppressed.Describe(email), JsonBody.Options), cancellationToken),
            cancellationToken);
    }

    private static async Task<IResult> SendBatchAsync(HttpContext context, EmailPreparer preparer, EmailAcceptor acceptor,
        IdempotencyStore idempotency, ProjectStore projects, SendRateLimit rateLimit, SenderDomainCheck senders, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, MaxBatchBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<SendBatchRequest>(body.Body.Span, out var batch, out var problem))
        {
            return problem!;
        }
        if (batch!.Emails is null || batch.Emails.Count is 0 or > MaxBatchItems)
        {
            return Problems.Field("emails", $"emails must hold 1 to {MaxBatchItems} items.");
        }
        var caller = ApiCaller.From(context.User);
        var (project, projectProblem) = await TargetProjectAsync(context, caller, projects, cancellationToken);
        if (projectProblem is not null)
        {
            return projectProblem;
        }

        // Each item in request order: a prepared email, or the problem that refused it.
        var items = new List<(PreparedEmail? Email, object? Error)>(batch.Emails.Count);
        foreach (var element in batch.Emails)
        {
            if (!JsonBody.TryParse<SendEmailRequest>(element, out var request, out var itemProblem))
            {
                items.Add((null, itemProblem!.ProblemDetails));
                continue;
            }
            var prepared = preparer.Prepare(request!);
            items.Add(prepared.Problem is not null ? (null, prepared.Problem.ProblemDetails) : (prepared.Email!, null));
        }
        // Each item from a domain the project has not verified fails alone, as any invalid item does.
        var refused = await senders.RefusedAsync(project, items.Where(i => i.Email is not null).Select(i => i.Email!.Email.From.Domain), cancellationToken);
        if (refused.Count > 0)
        {
            items = items.Select(i => i.Email is { } e && refused.Contains(e.Email.From.Domain)
                ? ((PreparedEmail?)null, (object?)SenderDomainCheck.Refusal(e.Email.From.Domain).ProblemDetails)
                : i).ToList();
        }
        var valid = items.Where(i => i.Email is not null).Select(i => i.Email!).ToList();
        return await IdempotentAsync(context, caller, idempotency, rateLimit, project, valid.Count, body.Body, StatusCodes.Status200OK, null,
            completion => acceptor.AcceptAsync(valid, project, caller.ApiKeyId, completion,
                suppressed => JsonSerializer.SerializeToUtf8Bytes(new BatchResponse(items
                    .Select(i => i.Email is { } e ? new BatchItem(e.Id, suppressed.StatusOf(e), null) : new BatchItem(null, null, i.Error))
                    .ToList()), JsonBody.Options), cancellationToken),
            cancellationToken);
    }

    /// <summary>
    /// The project a send stores into: a project key's own; for an operator key, <c>?project_id=</c>
    /// (which must exist) or the default project.
    /// </summary>
    private static async Task<(Guid Project, ProblemHttpResult? Problem)> TargetProjectAsync(HttpContext context, ApiCaller caller,
        ProjectStore projects, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        string? requested = context.Request.Query[ProjectScope.Field];
        var project = ProjectScope.ForWrite(caller, requested, errors);
        if (errors.Count == 0 && requested is not null && caller.IsOperator && !await projects.ExistsAsync(project, cancellationToken))
        {
            errors.Add(ProjectScope.Field, $"No project with id '{project}'.");
        }
        return errors.Count > 0 ? (project, Problems.Validation(errors.ToDictionary())) : (project, null);
    }

    /// <summary>
    /// Runs <paramref name="store"/> under the request's Idempotency-Key, if any: replays a completed
    /// request, refuses a concurrent or different one, and has the response it returns stored with
    /// the messages. The key belongs to the API key that used it, so no other key — of any project —
    /// can replay it. Only a request that stores pays its <paramref name="emails"/> to the project's send rate.
    /// </summary>
    private static async Task<IResult> IdempotentAsync(HttpContext context, ApiCaller caller, IdempotencyStore idempotency,
        SendRateLimit rateLimit, Guid project, int emails, ReadOnlyMemory<byte> body, int status, string? location,
        Func<IdempotencyCompletion?, Task<byte[]>> store, CancellationToken cancellationToken)
    {
        var keys = context.Request.Headers["Idempotency-Key"];
        if (keys.Count == 0)
        {
            if (await rateLimit.CheckAsync(context, project, emails, cancellationToken) is { } refused)
            {
                return refused;
            }
            return await Bytes(context, status, location, await store(null), replayed: false);
        }
        // Two header lines are two keys, not one "a,b": which one would the client retry with?
        if (keys.Count > 1 || !IdempotencyStore.IsValidKey(keys[0]!))
        {
            return Problems.Field("Idempotency-Key", "One Idempotency-Key header of 1 to 255 printable ASCII characters.");
        }
        var key = keys[0]!;
        // The query string is part of the request: an operator's ?project_id= must not replay another project's answer.
        var hash = IdempotencyStore.HashRequest(context.Request.Path + context.Request.QueryString, body.Span);
        await using var claim = await idempotency.ClaimAsync(caller.KeyId, key, hash, cancellationToken);
        switch (claim.Outcome)
        {
            case IdempotencyOutcome.Replay:
                return await Bytes(context, claim.Stored!.StatusCode, claim.Stored.Location, claim.Stored.Body, replayed: true);
            case IdempotencyOutcome.InProgress:
                return Problems.Problem(StatusCodes.Status409Conflict, "Request in progress",
                    "A request with this Idempotency-Key is still being processed; retry later.");
            case IdempotencyOutcome.Mismatch:
                return Problems.Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "This Idempotency-Key was used with a different request body.");
        }
        // A refusal or a throw from here on disposes the claim, which rolls back: nothing stored,
        // the key free for the retry (after Retry-After, for a 429).
        if (await rateLimit.CheckAsync(context, project, emails, cancellationToken) is { } overLimit)
        {
            return overLimit;
        }
        var responseBytes = await store(new IdempotencyCompletion(claim, status, location));
        return await Bytes(context, status, location, responseBytes, replayed: false);
    }

    private static async Task<IResult> Bytes(HttpContext context, int status, string? location, byte[] body, bool replayed)
    {
        if (location is not null)
        {
            context.Response.Headers.Location = location;
        }
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
        return Results.Empty;
    }

    private static async Task<Results<Ok<EmailDetails>, ProblemHttpResult>> GetAsync(string id, HttpContext context, EmailQueries queries,
        CancellationToken cancellationToken)
    {
        var project = ApiCaller.From(context.User).ProjectId;
        var email = Guid.TryParse(id, out var guid) ? await queries.GetAsync(guid, project, cancellationToken) : null;
        return email is null ? NotFoundEmail(id) : TypedResults.Ok(email);
    }

    private static async Task<Results<Ok<DataList<AttemptDetails>>, ProblemHttpResult>> GetAttemptsAsync(string id, HttpContext context,
        EmailQueries queries, CancellationToken cancellationToken)
    {
        var project = ApiCaller.From(context.User).ProjectId;
        var attempts = Guid.TryParse(id, out var guid) ? await queries.GetAttemptsAsync(guid, project, cancellationToken) : null;
        return attempts is null ? NotFoundEmail(id) : TypedResults.Ok(new DataList<AttemptDetails>(attempts));
    }

    // Another project's email is "not found", exactly like one that never existed: a project key
    // learns nothing about what other projects send.
    private static ProblemHttpResult NotFoundEmail(string id) =>
        Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No email with id '{id}'.");

    private static async Task<IResult> ListAsync(HttpContext context, EmailQueries queries, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), query[ProjectScope.Field], errors);
        var status = QueryParameters.OneOf(query, "status", MessageStatuses, errors);
        var limit = QueryParameters.Limit(query, errors);
        var since = QueryParameters.Time(query, "since", errors);
        var until = QueryParameters.Time(query, "until", errors);
        var after = QueryParameters.After(query, errors);
        var (recipient, from, tag) = (QueryParameters.Text(query, "recipient", errors), QueryParameters.Text(query, "from", errors),
            QueryParameters.Text(query, "tag", errors));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var filter = new EmailFilter(project, status, recipient, from, tag, since, until, limit, after);
        return TypedResults.Ok(await queries.ListAsync(filter, cancellationToken));
    }
}
