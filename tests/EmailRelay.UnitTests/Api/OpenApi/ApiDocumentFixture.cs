using System.Text.Json;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace EmailRelay.UnitTests.Api.OpenApi;

/// <summary>
/// The API's own Program in memory: the OpenAPI document it serves and the endpoints it maps.
/// Hosted services (the bus) are removed: neither the document nor the routing table needs a broker,
/// and nothing here touches PostgreSQL.
/// </summary>
public sealed class ApiDocumentFixture : IAsyncLifetime
{
    // Any type of the API's assembly names its entry point; Program itself is ambiguous here (the
    // sender has one too).
    private readonly WebApplicationFactory<StorageUnavailableHandler> _factory = new WebApplicationFactory<StorageUnavailableHandler>()
        .WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.RemoveAll<IHostedService>()));

    public JsonElement Document { get; private set; }

    public EndpointDataSource Endpoints => _factory.Services.GetRequiredService<EndpointDataSource>();

    public async Task InitializeAsync()
    {
        using var client = _factory.CreateClient();
        var json = await client.GetStringAsync("/openapi/v1.json");
        Document = JsonDocument.Parse(json).RootElement.Clone();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>Every operation in the document as (METHOD, path, operation).</summary>
    public IEnumerable<(string Method, string Path, JsonElement Operation)> Operations() =>
        Document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(o => HttpMethods.Contains(o.Name))
            .Select(o => (o.Name.ToUpperInvariant(), path.Name, o.Value)));

    private static readonly HashSet<string> HttpMethods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
}

[CollectionDefinition(Name)]
public sealed class ApiDocumentCollection : ICollectionFixture<ApiDocumentFixture>
{
    public const string Name = "api document";
}
