namespace EmailRelay.Api.OpenApi;

/// <summary>The success response with <see cref="StatusCode"/> carries a Location header naming the new resource.</summary>
public sealed record LocationHeaderMetadata(int StatusCode);
