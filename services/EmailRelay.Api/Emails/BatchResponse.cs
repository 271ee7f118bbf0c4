namespace EmailRelay.Api.Emails;

public sealed record BatchResponse(IReadOnlyList<BatchItem> Data);
