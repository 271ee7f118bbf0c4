namespace EmailRelay.Tracking.Webhooks;

/// <summary>What a delivery becomes after an attempt.</summary>
/// <param name="Status">pending (retried at <paramref name="NextAttemptAt"/>), succeeded or failed.</param>
/// <param name="DisableEndpoint">Set when the endpoint is to be disabled, with the reason shown to its owner.</param>
public sealed record DeliveryDecision(string Status, DateTimeOffset? NextAttemptAt, string? DisableEndpoint = null)
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public bool IsFinal => Status != Pending;
}
