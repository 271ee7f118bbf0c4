using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EmailRelay.Api.OpenApi;

public static class OpenApiDocumentExtensions
{
    /// <summary>
    /// Completes the v1 document (registered by AddServiceDefaults) from endpoint metadata. OpenAPI 3.0,
    /// not the framework's default 3.1: the validator the tests run (@apidevtools/swagger-parser)
    /// checks schema objects fully only against the 3.0 JSON Schema.
    /// </summary>
    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.Configure<OpenApiOptions>("v1", options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
            options.AddDocumentTransformer<ApiKeySecuritySchemeTransformer>();
            options.AddOperationTransformer<EndpointRulesTransformer>();
            options.AddSchemaTransformer<OmittedWhenNullTransformer>();
        });
}
