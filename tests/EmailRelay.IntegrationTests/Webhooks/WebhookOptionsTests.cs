using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Webhooks;

/// <summary>Webhook options are checked when Tracking starts: a bad value stops it with a message naming the key.</summary>
[Collection(WebhookStackCollection.Name)]
public sealed class WebhookOptionsTests(WebhookStack fixture)
{
    [Theory]
    [InlineData("Webhooks__RetrySchedule", "0s,5 minutes", "Webhooks:RetrySchedule")]
    [InlineData("Webhooks__RetryJitter", "2", "RetryJitter")]
    [InlineData("Webhooks__Timeout", "00:00:00", "Timeout")]
    public async Task Tracking_refuses_to_start_with_a_bad_webhook_option_and_names_it(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            fixture.Stack.StartTrackingAsync(new Dictionary<string, string>(WebhookStack.FastDelivery) { [key] = value }));

        Assert.Contains("exited during start", failure.Message, StringComparison.Ordinal);
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
