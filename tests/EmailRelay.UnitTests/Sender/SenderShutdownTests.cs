using EmailRelay.Sender.Delivery;
using EmailRelay.Sender.Extensions;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EmailRelay.UnitTests.Sender;

public sealed class SenderShutdownTests
{
    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Username=relay;Password=relay;Database=unused",
        }.Concat(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));
        builder.AddSenderServices();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public void Consumers_get_the_grace_and_the_bus_and_the_host_wait_for_a_transaction_past_data_to_time_out()
    {
        using var services = Services(("Sender:ShutdownGrace", "00:00:07"), ("Delivery:Smarthost:CommandTimeout", "00:00:20"));
        var bus = services.GetRequiredService<IOptions<MassTransitHostOptions>>().Value;
        var host = services.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), bus.ConsumerStopTimeout);
        // Grace, then a transaction that had reached DATA may still wait out its command timeout.
        Assert.True(bus.StopTimeout > TimeSpan.FromSeconds(7 + 20), $"MassTransit stop {bus.StopTimeout}");
        Assert.True(host.ShutdownTimeout > bus.StopTimeout, $"host shutdown {host.ShutdownTimeout}, MassTransit stop {bus.StopTimeout}");
    }

    [Fact]
    public void The_default_grace_is_twenty_seconds_and_the_default_lease_fifteen()
    {
        using var services = Services();

        Assert.Equal(TimeSpan.FromSeconds(20), services.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.ConsumerStopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), services.GetRequiredService<IOptions<DeliveryOptions>>().Value.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), LeaseHeartbeat.RenewEvery(TimeSpan.FromSeconds(15)));
    }
}
