using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Npgsql;
using OpenTelemetry.Trace;

namespace EmailRelay.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>The meter every EmailRelay service records its own counters on.</summary>
    public const string MeterName = "EmailRelay";

    /// <summary>
    /// What every host gets: OpenTelemetry metrics (Prometheus) and traces (OTLP), health checks, problem
    /// details, and the system clock as the injected <see cref="TimeProvider"/>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Answers the framework gives before a handler runs (415 from content-type matching,
            // 404 for unknown routes) get a sentence too.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                415 => "The body must be JSON: 'Content-Type: application/json'.",
                404 => "No such resource.",
                405 => "This method is not allowed on this resource.",
                _ => null,
            };
        });
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeterName, "MassTransit", "Npgsql")
                .AddPrometheusExporter());
        // Traces only when there is somewhere to send them (the standard OTEL_EXPORTER_OTLP_ENDPOINT):
        // recording spans for every request and message that nobody collects costs CPU on the hot path.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperationsPath(context.Request.Path))
                .AddSource("MassTransit")
                .AddNpgsql()
                .AddOtlpExporter());
        }
        return builder;
    }

    /// <summary>
    /// Maps <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c> and <c>/openapi/v1.json</c>
    /// in every environment: Kubernetes probes and Prometheus need them in production most of all.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsOperationsPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
