namespace EmailRelay.Api.Domains;

/// <summary>
/// One DNS record the domain's owner publishes: <see cref="Type"/> <c>TXT</c> or <c>MX</c>,
/// <see cref="Name"/> fully qualified without the trailing dot, <see cref="Value"/> as a DNS console
/// takes it (an MX as "preference host"), <see cref="Purpose"/> one of <see cref="DomainRecordPurposes"/>.
/// </summary>
public sealed record DomainDnsRecord(string Type, string Name, string Value, string Purpose);
