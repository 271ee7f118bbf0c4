using System.Text;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>One request the receiver got; <see cref="At"/> is the receiver's clock (elapsed since it started).</summary>
public sealed record ReceivedWebhook(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, TimeSpan At)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}
