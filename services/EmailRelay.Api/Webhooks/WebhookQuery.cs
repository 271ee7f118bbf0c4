using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;

namespace EmailRelay.Api.Webhooks;

/// <summary>The query parameters of the webhook lists, as the document shows them.</summary>
public static class WebhookQuery
{
    public static readonly QueryParameterDoc[] List =
        [QueryParameterDoc.Limit(), QueryParameterDoc.Cursor("The next_cursor of the previous page."), ProjectQuery.Filter];

    public static readonly QueryParameterDoc[] Deliveries =
    [
        QueryParameterDoc.OneOf("status", "Only deliveries in this state.", WebhookDeliveries.Statuses),
        QueryParameterDoc.Limit(),
        QueryParameterDoc.Cursor("The next_cursor of the previous page (newest first)."),
    ];
}
