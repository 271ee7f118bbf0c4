using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using EmailRelay.Data.Events;

namespace EmailRelay.Api.Events;

/// <summary>The query parameters of <c>GET /v1/events</c>, as the document shows them.</summary>
public static class EventListQuery
{
    public static readonly QueryParameterDoc[] Parameters =
    [
        QueryParameterDoc.OneOf("type", "Only events of this type.", EventTypes.All),
        QueryParameterDoc.Text("recipient", "Only events of this recipient."),
        QueryParameterDoc.Id("email_id", "Only events of this email."),
        QueryParameterDoc.Time("since", "Only events at or after this time"),
        QueryParameterDoc.Limit(),
        QueryParameterDoc.Cursor("Events strictly after this one: the next_cursor of the previous page (tail the feed with it)."),
        ProjectQuery.Filter,
    ];
}
