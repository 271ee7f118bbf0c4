using EmailRelay.Data;
using EmailRelay.ServiceDefaults;
using EmailRelay.Tracking.Bounces;
using EmailRelay.Tracking.Events;
using EmailRelay.Tracking.Retention;
using EmailRelay.Tracking.Webhooks;

if (args is [ParseBounceCommand.Name, .. var files])
{
    Environment.ExitCode = await ParseBounceCommand.RunAsync(files, Console.Out, Console.Error, CancellationToken.None);
    return;
}

// Content root = the binaries, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.Services.AddRelayData(builder.Configuration);
builder.Services.AddRelayBus(builder.Configuration);
builder.Services.AddEventFeed(builder.Configuration);
builder.Services.AddRetention(builder.Configuration);
builder.Services.AddBounceListener(builder.Configuration);
builder.Services.AddWebhookDelivery(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
