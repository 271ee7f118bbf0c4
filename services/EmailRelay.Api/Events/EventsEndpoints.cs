using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Data.Events;

namespace EmailRelay.Api.Events;

public static class EventsEndpoints
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/events", ListAsync).WithTags("Events").WithName("ListEvents")
            .WithSummary("Timeline events of every email, oldest first, strictly after the cursor (tail it)")
            .RequireAuthorization(Scopes.Read)
            .Produces<Page<System.Text.Json.Nodes.JsonObject>>().WithValidatedQuery(EventListQuery.Parameters);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, EventQueries queries, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), query[ProjectScope.Field], errors);
        var type = QueryParameters.OneOf(query, "type", EventTypes.All.ToArray(), errors);
        var limit = QueryParameters.Limit(query, errors);
        var since = QueryParameters.Time(query, "since", errors);
        var after = await AfterAsync(query, queries, errors, cancellationToken);
        var recipient = QueryParameters.Text(query, "recipient", errors);
        Guid? emailId = null;
        if (query["email_id"].Count > 0)
        {
            if (query["email_id"].Count == 1 && Guid.TryParse(query["email_id"], out var id))
            {
                emailId = id;
            }
            else
            {
                errors.Add("email_id", "email_id is an email id as returned by POST /v1/emails.");
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await queries.ListAsync(new EventFilter(project, type, recipient, emailId, since, limit, after), cancellationToken));
    }

    /// <summary>The feed position in <c>cursor</c>; a cursor from before feed positions (an event id) still works while its event exists.</summary>
    private static async Task<FeedPosition?> AfterAsync(IQueryCollection query, EventQueries queries, ValidationErrors errors,
        CancellationToken cancellationToken)
    {
        if (QueryParameters.CursorText(query, errors) is not { } value)
        {
            return null;
        }
        if (FeedPosition.TryDecode(value, out var position))
        {
            return position;
        }
        if (Cursor.TryDecode(value, out var legacyEventId) && await queries.PositionOfAsync(legacyEventId, cancellationToken) is { } legacy)
        {
            return legacy;
        }
        errors.Add("cursor", "cursor is not one this API returned.");
        return null;
    }
}
