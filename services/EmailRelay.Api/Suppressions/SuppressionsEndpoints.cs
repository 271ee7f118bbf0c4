using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EmailRelay.Api.Suppressions;

/// <summary>
/// API.md §Suppressions: a project's list of addresses it never sends to. Reading needs
/// <c>emails:read</c>, changing it <c>settings</c>; a project key sees and changes only its own
/// project's list, an operator key names one with <c>?project_id=</c> (lists: every project
/// without it; POST and DELETE: the default project, where its emails go without it).
/// Automatic entries (hard bounces, complaints) are made by Tracking; the API creates manual ones
/// and deletes any, so an operator can lift a wrong hard-bounce suppression.
/// </summary>
public static class SuppressionsEndpoints
{
    private const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapSuppressionsApi(this IEndpointRouteBuilder app)
    {
        var suppressions = app.MapGroup("/v1/suppressions").WithTags("Suppressions");
        suppressions.MapGet("/", ListAsync).WithName("ListSuppressions")
            .WithSummary("Suppressed addresses in force, newest first, keyset-paginated")
            .RequireAuthorization(Scopes.Read).Produces<Page<Suppression>>().WithValidatedQuery(SuppressionListQuery.Parameters);
        suppressions.MapPost("/", CreateAsync).WithName("CreateSuppression")
            .WithSummary("Suppress an address (reason manual): 201 when created, 200 with the entry in force, unchanged, when it already was")
            .WithDescription("Only 'manual' entries are created here; 'hard_bounce' and 'complaint' come from delivery outcomes. An address " +
                "already suppressed keeps its entry, whatever its reason or expiry: the answer is 200 with that entry. To change it, " +
                "delete it and create it again. From then on, an email accepted for the address gets recipient status 'suppressed' " +
                "and is never sent to it; the email's other recipients are sent as usual.")
            .RequireAuthorization(Scopes.Settings).Accepts<CreateSuppressionRequest>("application/json")
            .Produces<Suppression>(StatusCodes.Status201Created).Produces<Suppression>()
            .WithValidatedQuery(SuppressionListQuery.Target);
        suppressions.MapDelete("/{email}", DeleteAsync).WithName("DeleteSuppression")
            .WithSummary("Lift a suppression, whatever its reason (a wrong hard bounce too); the address is sent to again")
            .WithDescription("The address is URL-encoded in the path ('+' as is or %2B, '/' as %2F). 404 when the address has no " +
                "suppression in force in the project (an expired one counts as none).")
            .RequireAuthorization(Scopes.Settings).WithValidatedQuery(SuppressionListQuery.Target);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, SuppressionStore store, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), query[ProjectScope.Field], errors);
        var emailText = QueryParameters.Text(query, "email", errors);
        var email = emailText is null ? null : SuppressionAddress.Parse(emailText, "email", errors);
        var reason = QueryParameters.OneOf(query, "reason", SuppressionReasons.All, errors);
        var limit = QueryParameters.Limit(query, errors);
        SuppressionPosition? after = null;
        if (query["cursor"] is { Count: > 0 } cursor)
        {
            if (cursor.Count == 1 && SuppressionCursor.TryDecode(cursor[0]!, out var position))
            {
                after = position;
            }
            else
            {
                errors.Add("cursor", "cursor is not one this API returned.");
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var (page, next) = await store.ListAsync(new SuppressionFilter(project, email, reason, limit, after), cancellationToken);
        return TypedResults.Ok(new Page<Suppression>(page, next));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, SuppressionStore store, ProjectStore projects, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateSuppressionRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var errors = new ValidationErrors();
        var (project, requested) = Target(context, errors);
        var address = SuppressionAddress.Parse(create!.Email, "email", errors);
        if (create.Reason is not null and not SuppressionReasons.Manual)
        {
            errors.Add("reason", SuppressionReasons.All.Contains(create.Reason)
                ? $"Only '{SuppressionReasons.Manual}' suppressions are created through the API; '{create.Reason}' entries come from delivery outcomes."
                : $"reason is '{SuppressionReasons.Manual}' (the default).");
        }
        if (create.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow())
        {
            errors.Add("expires_at", "expires_at is a time in the future (RFC 3339); leave it out for a suppression until deleted.");
        }
        if (errors.Count == 0 && requested && ApiCaller.From(context.User).IsOperator && !await projects.ExistsAsync(project, cancellationToken))
        {
            errors.Add(ProjectScope.Field, $"No project with id '{project}'.");
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var (entry, created) = await store.CreateAsync(project, address!, create.ExpiresAt, cancellationToken);
        return created ? TypedResults.Created((string?)null, entry) : TypedResults.Ok(entry);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string email, HttpContext context, SuppressionStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (project, _) = Target(context, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var given = PathAddress(context, email);
        // Not an address at all: it cannot be on the list, like an id that does not parse.
        var address = SuppressionAddress.Parse(given, "email", new ValidationErrors());
        if (address is not null && await store.DeleteAsync(project, address, cancellationToken))
        {
            return TypedResults.NoContent();
        }
        return Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"'{given}' is not suppressed in this project.");
    }

    /// <summary>The project a POST or DELETE acts on, and whether the request named it.</summary>
    private static (Guid Project, bool Requested) Target(HttpContext context, ValidationErrors errors)
    {
        string? requested = context.Request.Query[ProjectScope.Field];
        return (ProjectScope.ForWrite(ApiCaller.From(context.User), requested, errors), requested is not null);
    }

    /// <summary>
    /// The address in the path, decoded once from the request as sent. The routed value is decoded
    /// by the server except for %2F (it would change the path's segments), and '/' is valid in a
    /// local part; '+' is never turned into a space in a path.
    /// </summary>
    private static string PathAddress(HttpContext context, string routed)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            return routed;
        }
        var path = raw.Split('?', 2)[0];
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
    }
}
