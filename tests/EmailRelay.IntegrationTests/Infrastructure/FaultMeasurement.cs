namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>What one fault under load did to the emails (one row of the fault matrix).</summary>
/// <param name="Lost">Accepted emails not delivered by the deadline, or delivered without the smarthost ever receiving them.</param>
/// <param name="Duplicates">Copies the smarthost received beyond the first, per Message-ID.</param>
/// <param name="Ambiguous">Attempts flagged ambiguous: cut after the final dot, or held by a sender whose lease lapsed (killed).</param>
/// <param name="SecondsToFinal">From the fault until the last accepted email was delivered; null if some never were.</param>
/// <param name="NotAccepted">Requests a retrying client gave up on: never stored, so never a loss, but a failure to serve.</param>
public sealed record FaultMeasurement(
    string Fault,
    int Accepted,
    int Lost,
    int Duplicates,
    long Ambiguous,
    double? SecondsToFinal,
    int NotAccepted,
    string Notes);
