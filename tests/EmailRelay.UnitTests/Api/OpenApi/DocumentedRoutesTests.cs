using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EmailRelay.UnitTests.Api.OpenApi;

[Collection(ApiDocumentCollection.Name)]
public sealed class DocumentedRoutesTests(ApiDocumentFixture fixture)
{
    /// <summary>
    /// Operational routes, not the API contract, so not in the document: probes, Prometheus, the
    /// document itself and the reference UI with its assets. Any other undocumented route fails.
    /// </summary>
    private static readonly string[] OperationalPrefixes = ["/health/", "/metrics", "/openapi/", "/docs/"];

    [Fact]
    public void Every_mapped_route_is_documented_and_every_documented_route_is_mapped()
    {
        var mapped = fixture.Endpoints.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => Methods(e).Select(m => (Method: m, Path: PathOf(e.RoutePattern))))
            .ToList();
        var contract = mapped.Where(r => !IsOperational(r.Path)).Select(r => $"{r.Method} {r.Path}").ToHashSet();
        var documented = fixture.Operations().Select(o => $"{o.Method} {o.Path}").ToHashSet();

        var undocumented = contract.Except(documented).Order().ToList();
        var unmapped = documented.Except(contract).Order().ToList();
        Assert.True(undocumented.Count == 0 && unmapped.Count == 0,
            $"mapped but not documented: [{string.Join(", ", undocumented)}]; documented but not mapped: [{string.Join(", ", unmapped)}]");
        Assert.Contains("POST /v1/emails", documented);
        // Each exclusion must still match a mapped route, or it hides nothing and should go.
        var stale = OperationalPrefixes.Where(p => !mapped.Any(r => r.Path.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.True(stale.Count == 0, $"excluded prefixes matching no mapped route: [{string.Join(", ", stale)}]");
    }

    private static bool IsOperational(string path) => OperationalPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal));

    private static IEnumerable<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"];

    /// <summary>The path as OpenAPI writes it: "/v1/emails/" → "/v1/emails", "{id:guid}" → "{id}".</summary>
    private static string PathOf(RoutePattern pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                    _ => throw new InvalidOperationException($"unexpected route part in {pattern.RawText}"),
                });
            }
        }
        return path.Length == 0 ? "/" : path.ToString();
    }
}
