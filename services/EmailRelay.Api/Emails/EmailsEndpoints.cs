using System.Text.Json;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.Idempotency;
using EmailRelay.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EmailRelay.Api.Emails;

public static class EmailsEndpoints
{
    // Base64 inflates attachments by 4/3 and JSON escaping adds more: leave room above the 10 MiB
    // MIME limit so an oversized message is answered by that rule (413 naming the limit), not this one.
    private const long MaxEmailBodyBytes = 16 * 1024 * 1024;
    private const long MaxBatchBodyBytes = 64 * 1024 * 1024;
    private const int MaxBatchItems = 500;

    private static readonly string[] MessageStatuses =
        ["scheduled", "queued", "sending", "deferred", "delivered", "partially_delivered", "bounced", "failed", "suppressed"];

    public static IEndpointRouteBuilder MapEmailsApi(this IEndpointRouteBuilder app)
    {
        var emails = app.MapGroup("/v1/emails").WithTags("Emails");
        emails.MapPost("/", SendAsync).WithName("SendEmail").WithSummary("Accept one email for delivery")
            .RequireAuthorization(Scopes.Send).Accepts<SendEmailRequest>("application/json")
            .Produces<AcceptedEmail>(StatusCodes.Status202Accepted);
        emails.MapPost("/batch", SendBatchAsync).WithName("SendEmailBatch").WithSummary("Accept 1-500 emails, each on its own")
            .RequireAuthorization(Scopes.Send).Accepts<SendBatchRequest>("application/json");
        emails.MapGet("/{id}", GetAsync).WithName("GetEmail").WithSummary("An email with its recipients and timeline")
            .RequireAuthorization(Scopes.Read);
        emails.MapGet("/{id}/attempts", GetAttemptsAsync).WithName("GetEmailAttempts").WithSummary("Every SMTP attempt, oldest first")
            .RequireAuthorization(Scopes.Read);
        emails.MapGet("/", ListAsync).WithName("ListEmails").WithSummary("Emails, newest first, filtered, keyset-paginated")
            .RequireAuthorization(Scopes.Read);
        return app;
    }

    private static async Task<IResult> SendAsync(HttpContext context, EmailPreparer preparer, EmailAcceptor acceptor,
        IdempotencyStore idempotency, CancellationToken cancellationToken)
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
        var prepared = preparer.Prepare(request!);
        if (prepared.Problem is not null)
        {
            return prepared.Problem;
        }
        var email = prepared.Email!;
        var accepted = new AcceptedEmail(email.Id, email.InitialStatus,
            email.Email.Recipients.Select(r => new AcceptedRecipient(r.Address, email.InitialStatus)).ToList());
        var location = $"/v1/emails/{email.Id}";
        return await IdempotentAsync(context, idempotency, body.Body, StatusCodes.Status202Accepted, location, accepted,
            completion => acceptor.AcceptAsync([email], ProjectIds.Default, KeyId(context), completion, cancellationToken), cancellationToken);
    }

    private static async Task<IResult> SendBatchAsync(HttpContext context, EmailPreparer preparer, EmailAcceptor acceptor,
        IdempotencyStore idempotency, CancellationToken cancellationToken)
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

        var items = new List<BatchItem>(batch.Emails.Count);
        var valid = new List<PreparedEmail>(batch.Emails.Count);
        foreach (var element in batch.Emails)
        {
            if (!JsonBody.TryParse<SendEmailRequest>(element, out var request, out var itemProblem))
            {
                items.Add(new BatchItem(null, null, itemProblem!.ProblemDetails));
                continue;
            }
            var prepared = preparer.Prepare(request!);
            if (prepared.Problem is not null)
            {
                items.Add(new BatchItem(null, null, prepared.Problem.ProblemDetails));
                continue;
            }
            valid.Add(prepared.Email!);
            items.Add(new BatchItem(prepared.Email!.Id, prepared.Email.InitialStatus, null));
        }
        return await IdempotentAsync(context, idempotency, body.Body, StatusCodes.Status200OK, null, new BatchResponse(items),
            completion => valid.Count == 0 && completion is null
                ? Task.CompletedTask
                : acceptor.AcceptAsync(valid, ProjectIds.Default, KeyId(context), completion, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="store"/> under the request's Idempotency-Key, if any: replays a completed
    /// request, refuses a concurrent or different one, and stores the response with the messages.
    /// </summary>
    private static async Task<IResult> IdempotentAsync<T>(HttpContext context, IdempotencyStore idempotency, ReadOnlyMemory<byte> body,
        int status, string? location, T response, Func<IdempotencyCompletion?, Task> store, CancellationToken cancellationToken)
    {
        var responseBytes = JsonSerializer.SerializeToUtf8Bytes(response, JsonBody.Options);
        var keys = context.Request.Headers["Idempotency-Key"];
        string? key = keys;
        if (key is null)
        {
            await store(null);
            return await Bytes(context, status, location, responseBytes, replayed: false);
        }
        // Two header lines are two keys, not one "a,b": which one would the client retry with?
        if (keys.Count > 1 || !IdempotencyStore.IsValidKey(key))
        {
            return Problems.Field("Idempotency-Key", "An Idempotency-Key is 1 to 255 printable ASCII characters.");
        }
        var owner = context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)!.Value;
        var hash = IdempotencyStore.HashRequest(context.Request.Path, body.Span);
        var decision = await idempotency.ReserveAsync(owner, key, hash, cancellationToken);
        switch (decision.Outcome)
        {
            case IdempotencyOutcome.Replay:
                return await Bytes(context, decision.StatusCode, decision.Location, decision.Body ?? [], replayed: true);
            case IdempotencyOutcome.InProgress:
                return Problems.Problem(StatusCodes.Status409Conflict, "Request in progress",
                    "A request with this Idempotency-Key is still being processed; retry later.");
            case IdempotencyOutcome.Mismatch:
                return Problems.Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "This Idempotency-Key was used with a different request body.");
        }
        try
        {
            await store(new IdempotencyCompletion(owner, key, status, location, responseBytes));
        }
        catch
        {
            await idempotency.ReleaseAsync(owner, key, CancellationToken.None);
            throw;
        }
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

    private static Guid? KeyId(HttpContext context) =>
        Guid.TryParse(context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value, out var id) ? id : null;

    private static async Task<Results<Ok<EmailDetails>, ProblemHttpResult>> GetAsync(string id, EmailQueries queries, CancellationToken cancellationToken)
    {
        var email = Guid.TryParse(id, out var guid) ? await queries.GetAsync(guid, cancellationToken) : null;
        return email is null ? NotFoundEmail(id) : TypedResults.Ok(email);
    }

    private static async Task<Results<Ok<DataList<AttemptDetails>>, ProblemHttpResult>> GetAttemptsAsync(string id, EmailQueries queries, CancellationToken cancellationToken)
    {
        var attempts = Guid.TryParse(id, out var guid) ? await queries.GetAttemptsAsync(guid, cancellationToken) : null;
        return attempts is null ? NotFoundEmail(id) : TypedResults.Ok(new DataList<AttemptDetails>(attempts));
    }

    private static ProblemHttpResult NotFoundEmail(string id) =>
        Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No email with id '{id}'.");

    private static async Task<IResult> ListAsync(HttpRequest request, EmailQueries queries, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new ValidationErrors();
        var status = QueryParameters.OneOf(query, "status", MessageStatuses, errors);
        var limit = QueryParameters.Limit(query, errors);
        var since = QueryParameters.Time(query, "since", errors);
        var until = QueryParameters.Time(query, "until", errors);
        var after = QueryParameters.Cursor(query, errors);
        var (recipient, from, tag) = (QueryParameters.Text(query, "recipient", errors), QueryParameters.Text(query, "from", errors),
            QueryParameters.Text(query, "tag", errors));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var page = await queries.ListAsync(new EmailFilter(status, recipient, from, tag, since, until, limit, after), cancellationToken);
        return TypedResults.Ok(page);
    }
}
