using System.Text.Json;

namespace EmailRelay.UnitTests.Api.OpenApi;

/// <summary>The rules the document must follow, checked on the document the API serves.</summary>
[Collection(ApiDocumentCollection.Name)]
public sealed class DocumentRulesTests(ApiDocumentFixture fixture)
{
    private const string ProblemJson = "application/problem+json";

    [Fact]
    public void The_document_is_OpenAPI_3_0_and_declares_the_bearer_api_key_scheme()
    {
        Assert.StartsWith("3.0.", fixture.Document.GetProperty("openapi").GetString());
        var scheme = fixture.Document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        // Not document-wide: /health, /metrics and /openapi take no key.
        Assert.False(fixture.Document.TryGetProperty("security", out _));
    }

    [Fact]
    public void Every_v1_operation_requires_the_api_key_and_documents_401_403_429_and_503()
    {
        var v1 = V1Operations();
        Assert.NotEmpty(v1);
        foreach (var (name, operation) in v1)
        {
            var security = operation.GetProperty("security").EnumerateArray().ToList();
            var requirement = Assert.Single(security);
            Assert.True(requirement.TryGetProperty("ApiKey", out _), $"{name}: security is {requirement}");
            AssertProblems(name, operation, 401, 403, 429, 503);
            foreach (var code in new[] { "429", "503" })
            {
                Assert.True(Response(operation, code).GetProperty("headers").TryGetProperty("Retry-After", out _), $"{name} {code}: no Retry-After");
            }
        }
    }

    [Fact]
    public void Json_body_operations_document_400_413_and_415_and_no_other_operation_does_413_or_415()
    {
        var withBody = 0;
        foreach (var (name, operation) in V1Operations())
        {
            var json = operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out _);
            if (json)
            {
                withBody++;
                AssertProblems(name, operation, 400, 413, 415);
            }
            else
            {
                Assert.False(HasResponse(operation, "413") || HasResponse(operation, "415"), $"{name} takes no JSON body but documents 413/415");
            }
        }
        Assert.True(withBody >= 3, $"only {withBody} operations with a JSON body: POST /v1/emails, /v1/emails/batch and /v1/api-keys have one");
    }

    [Fact]
    public void Operations_addressing_a_resource_by_id_document_404_and_no_other_operation_does()
    {
        var byId = 0;
        foreach (var (name, operation) in V1Operations())
        {
            var pathParameter = operation.TryGetProperty("parameters", out var parameters)
                && parameters.EnumerateArray().Any(p => p.GetProperty("in").GetString() == "path");
            if (pathParameter)
            {
                byId++;
                AssertProblems(name, operation, 404);
            }
            else
            {
                Assert.False(HasResponse(operation, "404"), $"{name} addresses no resource but documents 404");
            }
        }
        Assert.True(byId >= 3, $"only {byId} operations by id");
    }

    [Fact]
    public void Validated_query_parameters_are_documented_with_400()
    {
        foreach (var path in new[] { "/v1/emails", "/v1/events" })
        {
            var operation = fixture.Document.GetProperty("paths").GetProperty(path).GetProperty("get");
            var query = operation.GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "query").ToDictionary(p => p.GetProperty("name").GetString()!);
            Assert.Contains("limit", query.Keys);
            Assert.Contains("cursor", query.Keys);
            Assert.Equal(100, query["limit"].GetProperty("schema").GetProperty("maximum").GetInt32());
            AssertProblems($"GET {path}", operation, 400);
        }
    }

    [Theory]
    [InlineData("/v1/emails", "202")]
    [InlineData("/v1/emails/batch", "200")]
    public void Idempotent_operations_document_the_key_the_replay_header_409_and_422(string path, string success)
    {
        var operation = fixture.Document.GetProperty("paths").GetProperty(path).GetProperty("post");
        var key = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", key.GetProperty("in").GetString());
        Assert.Equal(255, key.GetProperty("schema").GetProperty("maxLength").GetInt32());
        Assert.True(Response(operation, success).GetProperty("headers").TryGetProperty("Idempotent-Replayed", out _));
        AssertProblems($"POST {path}", operation, 409, 422);
    }

    [Theory]
    [InlineData("/v1/emails", "202")]
    [InlineData("/v1/emails/batch", "200")]
    public void Send_operations_document_the_RateLimit_fields_on_success_and_on_429(string path, string success)
    {
        var operation = fixture.Document.GetProperty("paths").GetProperty(path).GetProperty("post");
        foreach (var code in new[] { success, "429" })
        {
            var headers = Response(operation, code).GetProperty("headers");
            Assert.True(headers.TryGetProperty("RateLimit-Policy", out _) && headers.TryGetProperty("RateLimit", out _), $"POST {path} {code}");
        }
        var read = fixture.Document.GetProperty("paths").GetProperty("/v1/emails").GetProperty("get");
        Assert.False(Response(read, "200").TryGetProperty("headers", out var readHeaders) && readHeaders.TryGetProperty("RateLimit", out _),
            "a read is not charged to the send rate");
    }

    /// <summary>Exactly what each route of today can answer, from reading its code and API.md.</summary>
    [Theory]
    [InlineData("POST /v1/emails", "202", "400 401 403 409 413 415 422 429 503")]
    [InlineData("POST /v1/emails/batch", "200", "400 401 403 409 413 415 422 429 503")]
    [InlineData("GET /v1/emails/{id}", "200", "401 403 404 429 503")]
    [InlineData("GET /v1/emails/{id}/attempts", "200", "401 403 404 429 503")]
    [InlineData("GET /v1/emails", "200", "400 401 403 429 503")]
    [InlineData("GET /v1/events", "200", "400 401 403 429 503")]
    [InlineData("GET /v1/unmatched-bounces", "200", "400 401 403 429 503")]
    [InlineData("GET /v1/unmatched-bounces/{id}", "200", "401 403 404 429 503")]
    [InlineData("POST /v1/api-keys", "201", "400 401 403 413 415 429 503")]
    [InlineData("GET /v1/api-keys", "200", "400 401 403 429 503")]
    [InlineData("DELETE /v1/api-keys/{id}", "204", "401 403 404 429 503")]
    [InlineData("POST /v1/projects", "201", "400 401 403 413 415 429 503")]
    [InlineData("GET /v1/projects", "200", "400 401 403 429 503")]
    [InlineData("GET /v1/projects/{id}", "200", "401 403 404 429 503")]
    [InlineData("PATCH /v1/projects/{id}", "200", "400 401 403 404 413 415 429 503")]
    [InlineData("GET /v1/suppressions", "200", "400 401 403 429 503")]
    // 201 created; 200 (listed with the problems here) when the address was already suppressed.
    [InlineData("POST /v1/suppressions", "201", "200 400 401 403 413 415 429 503")]
    [InlineData("DELETE /v1/suppressions/{email}", "204", "400 401 403 404 429 503")]
    [InlineData("POST /v1/webhooks", "201", "400 401 403 413 415 429 503")]
    [InlineData("GET /v1/webhooks", "200", "400 401 403 429 503")]
    [InlineData("GET /v1/webhooks/{id}", "200", "401 403 404 429 503")]
    [InlineData("PATCH /v1/webhooks/{id}", "200", "400 401 403 404 413 415 429 503")]
    [InlineData("DELETE /v1/webhooks/{id}", "204", "401 403 404 429 503")]
    [InlineData("POST /v1/webhooks/{id}/rotate-secret", "200", "401 403 404 429 503")]
    [InlineData("GET /v1/webhooks/{id}/deliveries", "200", "400 401 403 404 429 503")]
    [InlineData("POST /v1/webhooks/{id}/deliveries/{delivery_id}/replay", "202", "401 403 404 409 429 503")]
    public void Each_route_documents_exactly_the_responses_it_can_give(string route, string success, string problems)
    {
        var (method, path) = (route.Split(' ')[0].ToLowerInvariant(), route.Split(' ')[1]);
        var operation = fixture.Document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var expected = problems.Split(' ').Prepend(success).Order().ToList();
        Assert.Equal(expected, operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order().ToList());
        if (success != "204")
        {
            Assert.True(Response(operation, success).GetProperty("content").TryGetProperty("application/json", out var media)
                && media.TryGetProperty("schema", out _), $"{route}: {success} has no JSON schema");
        }
    }

    [Theory]
    [InlineData("/v1/emails", "post", "202")]
    [InlineData("/v1/api-keys", "post", "201")]
    [InlineData("/v1/webhooks", "post", "201")]
    public void Creating_operations_document_the_Location_header(string path, string method, string success)
    {
        var operation = fixture.Document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.True(Response(operation, success).GetProperty("headers").TryGetProperty("Location", out _));
    }

    [Fact]
    public void Every_problem_response_is_problem_json_referencing_the_problem_schema()
    {
        var checkedResponses = 0;
        foreach (var (name, operation) in V1Operations())
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var content = response.Value.GetProperty("content").EnumerateObject().ToList();
                var media = Assert.Single(content);
                Assert.Equal(ProblemJson, media.Name);
                var expected = response.Name is "400" or "413"
                    ? "#/components/schemas/HttpValidationProblemDetails"
                    : "#/components/schemas/ProblemDetails";
                Assert.Equal(expected, media.Value.GetProperty("schema").GetProperty("$ref").GetString());
                Assert.False(string.IsNullOrWhiteSpace(response.Value.GetProperty("description").GetString()), $"{name} {response.Name}");
                checkedResponses++;
            }
        }
        Assert.True(checkedResponses > 0);

        var schemas = fixture.Document.GetProperty("components").GetProperty("schemas");
        var problem = Properties(schemas.GetProperty("ProblemDetails"));
        Assert.Superset(new HashSet<string> { "type", "title", "status", "detail", "instance" }, problem);
        var validation = Properties(schemas.GetProperty("HttpValidationProblemDetails"));
        Assert.Superset(new HashSet<string> { "type", "title", "status", "detail", "errors" }, validation);
        Assert.Equal("integer", schemas.GetProperty("ProblemDetails").GetProperty("properties").GetProperty("status").GetProperty("type").GetString());
    }

    [Fact]
    public void Properties_omitted_when_null_are_not_required()
    {
        // A batch item is either {id, status} or {error}: none of the three is always there.
        var item = fixture.Document.GetProperty("components").GetProperty("schemas").GetProperty("BatchItem");
        Assert.Equal(["error", "id", "status"], Properties(item).Order().ToList());
        var required = item.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()).ToList() : [];
        Assert.Empty(required);
    }

    private List<(string Name, JsonElement Operation)> V1Operations() =>
        fixture.Operations().Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal))
            .Select(o => ($"{o.Method} {o.Path}", o.Operation)).ToList();

    private static void AssertProblems(string name, JsonElement operation, params int[] codes)
    {
        foreach (var code in codes)
        {
            var key = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(HasResponse(operation, key), $"{name}: no {code} response");
            Assert.True(Response(operation, key).GetProperty("content").TryGetProperty(ProblemJson, out _), $"{name}: {code} is not {ProblemJson}");
        }
    }

    private static bool HasResponse(JsonElement operation, string code) => operation.GetProperty("responses").TryGetProperty(code, out _);

    private static JsonElement Response(JsonElement operation, string code) => operation.GetProperty("responses").GetProperty(code);

    private static HashSet<string> Properties(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
}
