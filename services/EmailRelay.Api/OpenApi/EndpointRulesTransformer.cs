using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EmailRelay.Api.OpenApi;

/// <summary>
/// Completes each operation from its endpoint's metadata: the API-key requirement, the problem
/// responses of <see cref="ProblemResponseRules"/>, and what the explicit metadata of
/// <see cref="OpenApiEndpointExtensions"/> says (Idempotency-Key, Location, validated query).
/// </summary>
public sealed class EndpointRulesTransformer : IOpenApiOperationTransformer
{
    private const string ProblemJson = "application/problem+json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata.ToList();
        operation.Responses ??= new OpenApiResponses();
        if (ProblemResponseRules.RequiresApiKey(metadata))
        {
            var scheme = new OpenApiSecuritySchemeReference(ApiKeySecuritySchemeTransformer.SchemeId, context.Document);
            operation.Security = [new OpenApiSecurityRequirement { [scheme] = [] }];
        }
        foreach (var parameter in metadata.OfType<ValidatedQueryMetadata>().SelectMany(m => m.Parameters))
        {
            AddParameter(operation, QueryParameter(parameter));
        }
        if (metadata.OfType<IdempotencyKeyMetadata>().Any())
        {
            AddIdempotencyKey(operation);
        }
        foreach (var location in metadata.OfType<LocationHeaderMetadata>())
        {
            AddLocation(operation, location.StatusCode);
        }
        var addressesResource = context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Path);
        await AddProblemsAsync(operation, ProblemResponseRules.For(metadata, addressesResource),
            metadata.OfType<ProblemResponseMetadata>().ToList(), context, cancellationToken);
        if (metadata.OfType<SendRateLimitMetadata>().Any())
        {
            foreach (var (_, response) in SuccessResponses(operation))
            {
                AddRateLimitFields(response);
            }
        }
    }

    /// <summary>The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers) the send routes and every 429 carry.</summary>
    private static void AddRateLimitFields(OpenApiResponse response)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["RateLimit-Policy"] = new OpenApiHeader
        {
            Description = "The quota policy: \"emails\";q=<burst>;w=<seconds to refill it> for a project's send rate, or \"concurrency\";q=<requests> for a key's requests in flight.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
        response.Headers["RateLimit"] = new OpenApiHeader
        {
            Description = "What is left of it: \"emails\";r=<emails available now>;t=<seconds until the bucket is full, or on a 429 until the retry>.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
    }

    private static void AddIdempotencyKey(OpenApiOperation operation)
    {
        AddParameter(operation, IdempotencyKeyParameter());
        foreach (var (_, response) in SuccessResponses(operation))
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Idempotent-Replayed"] = new OpenApiHeader
            {
                Description = "'true' when this is the stored response of an earlier request with the same Idempotency-Key.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["true"] },
            };
        }
    }

    private static void AddLocation(OpenApiOperation operation, int statusCode)
    {
        // Fail loudly: a header on a response that is not documented would vanish without a trace.
        if (!operation.Responses!.TryGetValue(Code(statusCode), out var found) || found is not OpenApiResponse response)
        {
            throw new InvalidOperationException(
                $"{operation.OperationId}: WithLocationHeader({statusCode}) needs a documented {statusCode} response (Produces).");
        }
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["Location"] = new OpenApiHeader
        {
            Description = "The path of the resource this request created.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
        };
    }

    private static async Task AddProblemsAsync(OpenApiOperation operation, IReadOnlyList<int> codes, IReadOnlyList<ProblemResponseMetadata> own,
        OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (codes.Count == 0)
        {
            return;
        }
        var problem = await ProblemSchemaAsync(typeof(ProblemDetails), context, cancellationToken);
        var validation = await ProblemSchemaAsync(typeof(HttpValidationProblemDetails), context, cancellationToken);
        foreach (var code in codes)
        {
            // 400 and 413 are written by Problems.Field/Validation, which name the offending fields.
            var schema = code is StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge ? validation : problem;
            operation.Responses![Code(code)] = ProblemResponse(code, schema, own.FirstOrDefault(o => o.StatusCode == code)?.Description);
        }
    }

    private static string Code(int statusCode) => statusCode.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<KeyValuePair<string, OpenApiResponse>> SuccessResponses(OpenApiOperation operation) =>
        operation.Responses!
            .Where(r => r.Key.StartsWith('2') && r.Value is OpenApiResponse)
            .Select(r => KeyValuePair.Create(r.Key, (OpenApiResponse)r.Value));

    private static void AddParameter(OpenApiOperation operation, OpenApiParameter parameter)
    {
        operation.Parameters ??= [];
        // A parameter the framework already documents (bound by the handler's signature) stays as it is.
        if (!operation.Parameters.Any(p => p.Name == parameter.Name && p.In == parameter.In))
        {
            operation.Parameters.Add(parameter);
        }
    }

    private static OpenApiParameter QueryParameter(QueryParameterDoc doc) => new()
    {
        Name = doc.Name,
        In = ParameterLocation.Query,
        Description = doc.Description,
        Schema = new OpenApiSchema
        {
            Type = doc.Type,
            Format = doc.Format,
            Enum = doc.Values?.Select(v => (System.Text.Json.Nodes.JsonNode)v).ToList(),
            Minimum = doc.Minimum?.ToString(CultureInfo.InvariantCulture),
            Maximum = doc.Maximum?.ToString(CultureInfo.InvariantCulture),
            Default = doc.Default,
        },
    };

    private static OpenApiParameter IdempotencyKeyParameter() => new()
    {
        Name = "Idempotency-Key",
        In = ParameterLocation.Header,
        Description = "Makes a retry safe: the same key with the same body within 24 h returns the first response; with another body it is a 422.",
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[\\x20-\\x7E]+$" },
    };

    private static OpenApiResponse ProblemResponse(int code, IOpenApiSchema schema, string? description)
    {
        var response = new OpenApiResponse
        {
            Description = description ?? Describe(code),
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = schema } },
        };
        if (code is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                },
            };
            if (code is StatusCodes.Status429TooManyRequests)
            {
                AddRateLimitFields(response);
            }
        }
        else if (code is StatusCodes.Status401Unauthorized)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["WWW-Authenticate"] = new OpenApiHeader { Description = "'Bearer'.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }
        return response;
    }

    /// <summary>The framework's own schema of a problem type, registered once as a component and referenced.</summary>
    private static async Task<IOpenApiSchema> ProblemSchemaAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(type.Name))
        {
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
        }
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static string Describe(int code) => code switch
    {
        400 => "The request is invalid; 'errors' names each bad field or parameter.",
        401 => "No API key, or an unknown or revoked one.",
        403 => "The API key does not have the scope this route requires.",
        404 => "No such resource.",
        409 => "A request with this Idempotency-Key is still being processed; retry later.",
        413 => "The request body (or the message built from it) is over the limit.",
        415 => "The body is not JSON: 'Content-Type: application/json' is required.",
        422 => "This Idempotency-Key was used with a different request body.",
        429 => "Too many requests; retry after Retry-After.",
        503 => "Storage unavailable: nothing was stored; retry after Retry-After.",
        _ => "A problem.",
    };
}
