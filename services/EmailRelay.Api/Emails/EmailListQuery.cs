using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;

namespace EmailRelay.Api.Emails;

/// <summary>The query parameters of <c>GET /v1/emails</c>, as the document shows them.</summary>
public static class EmailListQuery
{
    public static readonly QueryParameterDoc[] Parameters =
    [
        QueryParameterDoc.OneOf("status", "Only emails in this status.", EmailsEndpoints.MessageStatuses),
        QueryParameterDoc.Text("recipient", "Only emails with this recipient (case-insensitive)."),
        QueryParameterDoc.Text("from", "Only emails from this envelope address (case-insensitive)."),
        QueryParameterDoc.Text("tag", "Only emails with this tag."),
        QueryParameterDoc.Time("since", "Only emails created at or after this time"),
        QueryParameterDoc.Time("until", "Only emails created before this time"),
        QueryParameterDoc.Limit(),
        QueryParameterDoc.Cursor("The next_cursor of the previous page."),
        ProjectQuery.Filter,
    ];
}
