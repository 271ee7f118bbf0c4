using System.Text.Json.Nodes;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;

namespace EmailRelay.Api.Bounces;

/// <summary>
/// Mail that reached the bounce listener but matched no email and recipient (no or a forged VERP
/// token, an email already pruned, a report with no recipient in it): kept for operators instead of
/// dropped. A project key sees those of its own project (a valid token whose email is gone); those
/// of no known project only operators see.
/// </summary>
public static class UnmatchedBouncesEndpoints
{
    public static IEndpointRouteBuilder MapUnmatchedBouncesApi(this IEndpointRouteBuilder app)
    {
        var bounces = app.MapGroup("/v1/unmatched-bounces").WithTags("Bounces").RequireAuthorization(Scopes.Read);
        bounces.MapGet("/", ListAsync).WithName("ListUnmatchedBounces")
            .WithSummary("Bounces and reports that matched no email, newest first, keyset-paginated")
            .Produces<Page<UnmatchedBounceSummary>>()
            .WithValidatedQuery([QueryParameterDoc.Limit(), QueryParameterDoc.Cursor("The next_cursor of the previous page."), ProjectQuery.Filter]);
        bounces.MapGet("/{id}", GetAsync).WithName("GetUnmatchedBounce")
            .WithSummary("One unmatched bounce: what the parser found, and the message as received (base64)")
            .Produces<UnmatchedBounceDetail>();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, UnmatchedBounceQueries queries, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), query[ProjectScope.Field], errors);
        var limit = QueryParameters.Limit(query, errors);
        var after = QueryParameters.After(query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var rows = await queries.ListAsync(project, after, limit, cancellationToken);
        var next = KeysetPage.TrimToPage(rows, limit, r => Cursor.Encode(r.Id));
        return TypedResults.Ok(new Page<UnmatchedBounceSummary>(rows.Select(Summary).ToList(), next));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, UnmatchedBounceQueries queries, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(context.User);
        var found = Guid.TryParse(id, out var guid) ? await queries.GetAsync(guid, caller.ProjectId, cancellationToken) : null;
        if (found is not { } bounce)
        {
            return Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No unmatched bounce with id '{Problems.Printable(id)}'.");
        }
        return TypedResults.Ok(new UnmatchedBounceDetail(Summary(bounce.Row), JsonNode.Parse(bounce.Row.Report)!.AsObject(),
            Convert.ToBase64String(bounce.Raw)));
    }

    private static UnmatchedBounceSummary Summary(UnmatchedBounceRow row) => new(row.Id, row.ProjectId,
        DateTime.SpecifyKind(row.ReceivedAt, DateTimeKind.Utc), row.RemoteIp, row.EnvelopeFrom, row.EnvelopeTo, row.Subject, row.Format,
        row.Reason, row.Size);
}

/// <param name="Reason">Why it matched nothing, e.g. "no VERP token", "token does not verify", "email no longer kept".</param>
/// <param name="Format">What the parser recognised: rfc3464, arf, rfc3834-autoreply, vendor-text, … or null.</param>
public sealed record UnmatchedBounceSummary(Guid Id, Guid? ProjectId, DateTime ReceivedAt, string? RemoteIp, string EnvelopeFrom,
    string EnvelopeTo, string? Subject, string? Format, string? Reason, int SizeBytes);

/// <param name="Report">The per-recipient results the parser found (recipient, status, reply code, reason, hard).</param>
/// <param name="Raw">The message as received, base64.</param>
public sealed record UnmatchedBounceDetail(UnmatchedBounceSummary Bounce, JsonObject Report, string Raw);
