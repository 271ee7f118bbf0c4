using EmailRelay.Api.ApiKeys;
using EmailRelay.Api.Bounces;
using EmailRelay.Api.Domains;
using EmailRelay.Api.Emails;
using EmailRelay.Api.Events;
using EmailRelay.Api.Extensions;
using EmailRelay.Api.Projects;
using EmailRelay.Api.Submission;
using EmailRelay.Api.Suppressions;
using EmailRelay.Api.Webhooks;
using EmailRelay.ServiceDefaults;
using Scalar.AspNetCore;

if (args.Length > 0 && args[0] == "migrate")
{
    return await MigrateCommand.RunAsync(args[1..]);
}

// Content root = the binaries, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddApiServices();
builder.Services.AddWebhooksApi(builder.Configuration);
builder.Services.AddSubmission(builder.Configuration);

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json"));
app.MapEmailsApi();
app.MapEventsApi();
app.MapUnmatchedBouncesApi();
app.MapApiKeysApi();
app.MapProjectsApi();
app.MapSuppressionsApi();
app.MapDomainsApi();
app.MapWebhooksApi();
await app.RunAsync();
return 0;

public partial class Program;
