using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;

namespace EmailRelay.Api.Emails;

public static class EventsEndpoints
{
    internal static readonly string[] EventTypes =
        ["queued", "scheduled", "delivered", "deferred", "bounced", "failed", "suppressed", "complained"];

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
        var type = QueryParameters.OneOf(query, "type", EventTypes, errors);
        var limit = QueryParameters.Limit(query, errors);
        var since = QueryParameters.Time(query, "since", errors);
        var after = QueryParameters.After(query, errors);
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
}
