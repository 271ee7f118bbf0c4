namespace EmailRelay.Api.Webhooks;

/// <summary>The body of <c>POST /v1/webhooks</c>; nullable so a missing field is named by validation.</summary>
public sealed class CreateWebhookRequest
{
    public string? Url { get; set; }
    public List<string?>? EventTypes { get; set; }
    public string? Description { get; set; }

    /// <summary>Operator keys: the project the endpoint belongs to (default: the default project).</summary>
    public string? ProjectId { get; set; }
}
