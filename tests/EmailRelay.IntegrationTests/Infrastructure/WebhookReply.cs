namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>What the receiver answers: a status, headers, a body, after a delay.</summary>
public sealed record WebhookReply(int Status, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default, string Body = "")
{
    public static readonly WebhookReply Ok = new(200, Body: "ok");

    public static WebhookReply Of(int status, params (string Name, string Value)[] headers) =>
        new(status, headers.ToDictionary(h => h.Name, h => h.Value));

    public static WebhookReply Slow(TimeSpan delay, int status = 200) => new(status, Delay: delay);
}
