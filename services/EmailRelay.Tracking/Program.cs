using EmailRelay.Data;
using EmailRelay.ServiceDefaults;
using EmailRelay.Tracking.Webhooks;

// Tracking's consumers (timeline fan-out, suppressions, webhooks, bounce intake) come later; for
// now it is a host that is deployed, probed and scraped like the others.
// Content root = the binaries, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.Services.AddRelayData(builder.Configuration);
builder.Services.AddRelayBus(builder.Configuration);
builder.Services.AddWebhookDelivery(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
