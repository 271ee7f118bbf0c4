using System.Diagnostics;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Faults;

/// <summary>
/// DESIGN.md §3.1: a 202 means stored, not published. With RabbitMQ stopped, the API still accepts
/// and the dispatcher publishes once the broker is back.
/// </summary>
public sealed class BrokerOutageTests
{
    [Fact]
    public async Task Email_accepted_while_RabbitMQ_is_stopped_is_delivered_after_it_returns()
    {
        await using var stack = await RelayStack.StartAsync("broker-down");
        var to = Emails.Unique("outage");
        Guid id;
        await RabbitMqctlAsync("stop_app");
        try
        {
            id = await stack.SendAsync(Emails.Simple(to));     // asserts the 202
            var email = await stack.GetEmailAsync(id);
            Assert.Equal("queued", email.Str("status"));
            await Task.Delay(2000);
            Assert.Empty(stack.Smtp.Messages);
        }
        finally
        {
            await RabbitMqctlAsync("start_app");
        }
        await stack.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(90));
        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }

    private static async Task RabbitMqctlAsync(string command)
    {
        var info = new ProcessStartInfo("rabbitmqctl", ["-q", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("rabbitmqctl could not be started");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {command} failed: {error}");
    }
}
