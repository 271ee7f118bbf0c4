namespace EmailRelay.Api.Emails;

/// <summary>
/// One request's emails and what the accept statement needs to know about the request: the unit
/// <see cref="EmailStore"/> stores, alone or together with other requests' (<see cref="AcceptGroupCommit"/>).
/// </summary>
/// <param name="Publishing">The API will publish the commands itself right after the commit (the broker is up).</param>
/// <param name="TraceId">The request's trace, kept with each of its messages.</param>
/// <param name="Now">When the request was accepted: the dispatch time of the commands it publishes.</param>
public sealed record StoreRequest(IReadOnlyList<PreparedEmail> Emails, Guid ProjectId, Guid? ApiKeyId, bool Publishing, string? TraceId,
    DateTimeOffset Now);
