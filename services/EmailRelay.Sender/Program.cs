using EmailRelay.Sender.Extensions;
using EmailRelay.ServiceDefaults;

// Content root = the binaries, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddSenderServices();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
