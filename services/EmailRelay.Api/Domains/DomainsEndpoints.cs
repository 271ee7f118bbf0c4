using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Domains;

/// <summary>
/// API.md §Sending domains: a project's domains, the DNS records to publish for each, their
/// verification by DNS lookups made now, and DKIM key rotation. Reading needs <c>emails:read</c>,
/// changing <c>settings</c>. A project key sees and changes only its own project's domains
/// (another's answers 404, like one that does not exist); an operator key names the project of a
/// new domain with <c>?project_id=</c> and lists every project without it.
/// </summary>
public static partial class DomainsEndpoints
{
    private const long MaxBodyBytes = 16 * 1024;

    private const string NoMasterKeyDescription =
        "Storage unavailable (retry after Retry-After); or this server has no Dkim__MasterKey, so it cannot keep DKIM keys and no " +
        "domain can be added or rotated until its operator sets one (no Retry-After then). Nothing was stored.";

    public static IEndpointRouteBuilder MapDomainsApi(this IEndpointRouteBuilder app)
    {
        var domains = app.MapGroup("/v1/domains").WithTags("Sending domains");
        domains.MapPost("/", CreateAsync).WithName("CreateDomain")
            .WithSummary("Add a sending domain: a DKIM key pair is made for it, and the answer lists the DNS records to publish")
            .WithDescription("The name is stored lower-case, an internationalised name as its A-label (punycode). The domain stays " +
                "'pending' until POST /v1/domains/{id}/verify finds its verification and DKIM records; the SPF and return-path " +
                "records are advice, checked and reported but not required.")
            .RequireAuthorization(Scopes.Settings).Accepts<CreateDomainRequest>("application/json")
            .Produces<DomainResponse>(StatusCodes.Status201Created).WithLocationHeader(StatusCodes.Status201Created)
            .WithValidatedQuery(DomainQuery.Target)
            .WithProblemResponse(StatusCodes.Status409Conflict, "The project has this domain already.")
            .WithProblemResponse(StatusCodes.Status422UnprocessableEntity, "name is not a domain name this relay can send from; 'errors' says why.")
            .WithProblemResponse(StatusCodes.Status503ServiceUnavailable, NoMasterKeyDescription);
        domains.MapGet("/", ListAsync).WithName("ListDomains").WithSummary("Sending domains, oldest first, keyset-paginated")
            .RequireAuthorization(Scopes.Read).Produces<Page<DomainResponse>>().WithValidatedQuery(DomainQuery.List);
        domains.MapGet("/{id}", GetAsync).WithName("GetDomain").WithSummary("A sending domain, its records to publish and its last check")
            .RequireAuthorization(Scopes.Read).Produces<DomainResponse>();
        domains.MapDelete("/{id}", DeleteAsync).WithName("DeleteDomain")
            .WithSummary("Delete a sending domain and its DKIM keys; emails from it are refused at once where a verified domain is required")
            .RequireAuthorization(Scopes.Settings);
        domains.MapPost("/{id}/verify", VerifyAsync).WithName("VerifyDomain")
            .WithSummary("Look the domain's records up in DNS now; each record's result is in last_check")
            .WithDescription("The domain becomes 'verified' when its verification record and the DKIM record of the key it signs with " +
                "are found, and 'pending' again when one of them is found missing; a lookup that fails (SERVFAIL, timeout) leaves the " +
                "status as it was. A rotation's pending key whose record is found becomes the active key, and the key it replaces " +
                "turns 'retiring': its record must stay published until retire_after (Domains__DkimRetireAfter).")
            .RequireAuthorization(Scopes.Settings).Produces<DomainResponse>();
        domains.MapPost("/{id}/dkim/rotate", RotateAsync).WithName("RotateDomainDkimKey")
            .WithSummary("Make a new DKIM key with a new selector; it signs once its record is found by a verify")
            .WithDescription("The new key is 'pending' and its record is added to records; the current key keeps signing until a " +
                "verify finds the new record. Then the old key is 'retiring' until retire_after, both records listed, so mail " +
                "signed with either key verifies during the switch.")
            .RequireAuthorization(Scopes.Settings).Produces<DomainResponse>()
            .WithProblemResponse(StatusCodes.Status409Conflict,
                "The domain has a pending key already (a rotation in progress, or a new domain's first key): verify it first.")
            .WithProblemResponse(StatusCodes.Status503ServiceUnavailable, NoMasterKeyDescription);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DomainStore store, ProjectStore projects, DkimKeyFactory keys,
        DomainPresenter presenter, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateDomainRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var caller = ApiCaller.From(context.User);
        var errors = new ValidationErrors();
        string? requested = context.Request.Query[ProjectScope.Field];
        var project = ProjectScope.ForWrite(caller, requested, errors);
        if (errors.Count == 0 && requested is not null && caller.IsOperator && !await projects.ExistsAsync(project, cancellationToken))
        {
            errors.Add(ProjectScope.Field, $"No project with id '{project}'.");
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var name = DomainName.Normalize(create!.Name, out var nameError);
        if (name is null)
        {
            return Problems.Field("name", nameError!, StatusCodes.Status422UnprocessableEntity);
        }
        if (!keys.IsConfigured)
        {
            return NoMasterKey(loggers);
        }
        if (await store.ExistsAsync(project, name, cancellationToken))
        {
            return Duplicate(name);
        }
        var domainId = Guid.CreateVersion7(time.GetUtcNow());
        var key = keys.Create(domainId, []);
        if (!await store.CreateAsync(domainId, project, name, VerificationToken.New(), key.Id, key.Selector, key.PublicKey, key.SealedPrivateKey,
                cancellationToken))
        {
            // Added by a concurrent request between the check and the insert.
            return Duplicate(name);
        }
        LogAdded(loggers.CreateLogger(typeof(DomainsEndpoints)), domainId, project, key.Selector);
        var domain = await store.GetAsync(domainId, project, cancellationToken);
        return domain is null ? NotFound(domainId.ToString()) : TypedResults.Created($"/v1/domains/{domainId}", presenter.Present(domain));
    }

    private static async Task<IResult> ListAsync(HttpContext context, DomainStore store, DomainPresenter presenter, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), context.Request.Query[ProjectScope.Field], errors);
        var limit = QueryParameters.Limit(context.Request.Query, errors);
        var after = QueryParameters.After(context.Request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var (page, next) = await store.ListAsync(project, after, limit, cancellationToken);
        return TypedResults.Ok(new Page<DomainResponse>(page.Select(presenter.Present).ToList(), next));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, DomainStore store, DomainPresenter presenter,
        CancellationToken cancellationToken)
    {
        var domain = await FindAsync(id, context, store, cancellationToken);
        return domain is null ? NotFound(id) : TypedResults.Ok(presenter.Present(domain));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, DomainStore store,
        VerifiedDomains verified, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(id, out var guid) && await store.DeleteAsync(guid, ApiCaller.From(context.User).ProjectId, cancellationToken) is { } project)
        {
            verified.Forget(project);
            return TypedResults.NoContent();
        }
        return NotFound(id);
    }

    private static async Task<IResult> VerifyAsync(string id, HttpContext context, DomainStore store, DomainVerifier verifier,
        VerifiedDomains verified, DomainPresenter presenter, IOptions<DomainOptions> options, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var domain = await FindAsync(id, context, store, cancellationToken);
        if (domain is null)
        {
            return NotFound(id);
        }
        var check = await verifier.CheckAsync(domain, cancellationToken);
        if (!await store.SaveCheckAsync(domain.Domain.Id, check, options.Value.DkimRetireAfter, cancellationToken))
        {
            return NotFound(id);
        }
        verified.Forget(domain.Domain.ProjectId);
        var logger = loggers.CreateLogger(typeof(DomainsEndpoints));
        LogChecked(logger, domain.Domain.Id, domain.Domain.ProjectId, check.Verified switch { true => "verified", false => "pending", null => "unchanged" });
        if (check.ActivateKeyId is { } activated)
        {
            LogKeyActivated(logger, domain.Domain.Id, domain.Keys.Single(k => k.Id == activated).Selector, domain.Active?.Selector ?? "none");
        }
        var updated = await store.GetAsync(domain.Domain.Id, domain.Domain.ProjectId, cancellationToken);
        return updated is null ? NotFound(id) : TypedResults.Ok(presenter.Present(updated));
    }

    private static async Task<IResult> RotateAsync(string id, HttpContext context, DomainStore store, DkimKeyFactory keys, DomainPresenter presenter,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(id, context, store, cancellationToken);
        if (domain is null)
        {
            return NotFound(id);
        }
        if (!keys.IsConfigured)
        {
            return NoMasterKey(loggers);
        }
        if (domain.Pending is { } pending)
        {
            return RotationPending(pending.Selector);
        }
        var key = keys.Create(domain.Domain.Id, await store.SelectorsAsync(domain.Domain.Id, cancellationToken));
        if (!await store.AddPendingKeyAsync(domain.Domain.Id, key.Id, key.Selector, key.PublicKey, key.SealedPrivateKey, cancellationToken))
        {
            return RotationPending(null);
        }
        LogRotated(loggers.CreateLogger(typeof(DomainsEndpoints)), domain.Domain.Id, key.Selector);
        var updated = await store.GetAsync(domain.Domain.Id, domain.Domain.ProjectId, cancellationToken);
        return updated is null ? NotFound(id) : TypedResults.Ok(presenter.Present(updated));
    }

    /// <summary>The domain, if it exists and belongs to the caller's project (any, for an operator).</summary>
    private static async Task<SendingDomain?> FindAsync(string id, HttpContext context, DomainStore store, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var guid) ? await store.GetAsync(guid, ApiCaller.From(context.User).ProjectId, cancellationToken) : null;

    /// <summary>
    /// 503, not 500: nothing is broken in the request or the code, the server is not set up for this
    /// feature, exactly what an operator looks for in a 503; and unlike a 4xx it does not tell the
    /// client to change its request. No Retry-After: retrying will not help until the key is set.
    /// </summary>
    private static ProblemHttpResult NoMasterKey(ILoggerFactory loggers)
    {
        LogNoMasterKey(loggers.CreateLogger(typeof(DomainsEndpoints)));
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "DKIM keys are not configured",
            "This server has no Dkim__MasterKey, so it cannot keep the DKIM keys of sending domains: nothing was stored. " +
            "Its operator must set Dkim__MasterKey (32 random bytes, base64) on every API and sender process.");
    }

    private static ProblemHttpResult Duplicate(string name) =>
        Problems.Problem(StatusCodes.Status409Conflict, "Domain exists", $"This project has the domain '{name}' already.");

    private static ProblemHttpResult RotationPending(string? selector) =>
        Problems.Problem(StatusCodes.Status409Conflict, "Key pending",
            $"The domain has a pending DKIM key{(selector is null ? "" : $" ({selector})")} already: publish its record and verify the domain, which activates it, before rotating again.");

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No sending domain with id '{id}'.");

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Sending domain {DomainId} added to project {ProjectId} with DKIM selector {Selector}")]
    private static partial void LogAdded(ILogger logger, Guid domainId, Guid projectId, string selector);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Sending domain {DomainId} of project {ProjectId} checked: {Status}")]
    private static partial void LogChecked(ILogger logger, Guid domainId, Guid projectId, string status);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Sending domain {DomainId} rotates its DKIM key: new selector {Selector} pending")]
    private static partial void LogRotated(ILogger logger, Guid domainId, string selector);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Sending domain {DomainId} signs with DKIM selector {Selector} now (replacing {Previous})")]
    private static partial void LogKeyActivated(ILogger logger, Guid domainId, string selector, string previous);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "A sending domain could not be added or rotated: Dkim__MasterKey is not set (answered 503)")]
    private static partial void LogNoMasterKey(ILogger logger);
}
