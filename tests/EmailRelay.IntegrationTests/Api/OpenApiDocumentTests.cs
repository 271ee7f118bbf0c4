using System.Text.Json.Nodes;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Api;

/// <summary>The document a real API process serves, checked by a validator we did not write.</summary>
[Collection(StandardStackCollection.Name)]
public sealed class OpenApiDocumentTests(StandardStack fixture)
{
    private readonly RelayStack _stack = fixture.Stack;

    [Fact]
    public async Task Served_document_is_valid_OpenAPI_3_0_according_to_swagger_parser()
    {
        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        var json = await anonymous.GetStringAsync("openapi/v1.json");

        var verdict = await OpenApiValidator.ValidateAsync(json);

        Assert.True(verdict.Valid, $"swagger-parser rejected /openapi/v1.json:\n{Truncate(verdict.Error)}");
        Assert.StartsWith("3.0.", verdict.OpenApi);
        // The validator read this document: it counts the same operations.
        var operations = JsonNode.Parse(json)!["paths"]!.AsObject().Sum(path => path.Value!.AsObject().Count(o => o.Key != "parameters"));
        Assert.Equal(operations, verdict.Operations);
    }

    [Fact]
    public async Task Validator_rejects_the_served_document_with_a_defect()
    {
        using var anonymous = new HttpClient { BaseAddress = _stack.Api.BaseAddress };
        var json = await anonymous.GetStringAsync("openapi/v1.json");

        // A response without its required description: the 3.0 schema must catch it.
        var noDescription = JsonNode.Parse(json)!;
        noDescription["paths"]!["/v1/emails"]!["post"]!["responses"]!["401"]!.AsObject().Remove("description");
        var missing = await OpenApiValidator.ValidateAsync(noDescription.ToJsonString());
        Assert.False(missing.Valid, missing.Output);
        Assert.Contains("description", missing.Error);

        // A reference to a schema that does not exist: resolving $refs must catch it.
        var dangling = JsonNode.Parse(json)!;
        dangling["paths"]!["/v1/emails"]!["post"]!["responses"]!["401"]!["content"]!["application/problem+json"]!["schema"] =
            new JsonObject { ["$ref"] = "#/components/schemas/NoSuchProblem" };
        var unresolved = await OpenApiValidator.ValidateAsync(dangling.ToJsonString());
        Assert.False(unresolved.Valid, unresolved.Output);
        Assert.Contains("NoSuchProblem", unresolved.Error);
    }

    private static string? Truncate(string? text) => text is { Length: > 4000 } ? text[..4000] + "…" : text;
}
