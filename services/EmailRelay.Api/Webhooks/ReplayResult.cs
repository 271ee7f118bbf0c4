namespace EmailRelay.Api.Webhooks;

/// <summary>What a replay request came to: replayed, or why not.</summary>
public enum ReplayResult
{
    Replayed,
    NotFound,

    /// <summary>The endpoint was disabled or deleted: nothing would be sent.</summary>
    EndpointClosed,

    /// <summary>An attempt is being made right now.</summary>
    InFlight,
}
