namespace EmailRelay.Api.Webhooks;

/// <summary>The body of <c>PATCH /v1/webhooks/{id}</c>: the members given are changed, the others left alone.</summary>
public sealed class UpdateWebhookRequest
{
    public string? Url { get; set; }
    public List<string?>? EventTypes { get; set; }
    public string? Description { get; set; }
    public bool? Enabled { get; set; }
}
