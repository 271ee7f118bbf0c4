using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EmailRelay.Api.OpenApi;

/// <summary>Declares the bearer API key once; <see cref="EndpointRulesTransformer"/> requires it per operation.</summary>
public sealed class ApiKeySecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public const string SchemeId = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "API key",
            Description = "An EmailRelay API key: 'Authorization: Bearer <api key>'. Its scopes decide which routes it may call.",
        };
        return Task.CompletedTask;
    }
}
