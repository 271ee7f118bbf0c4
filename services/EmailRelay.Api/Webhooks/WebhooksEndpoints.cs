using System.Text.Json;
using EmailRelay.Api.Auth;
using EmailRelay.Api.Http;
using EmailRelay.Api.OpenApi;
using EmailRelay.Api.Projects;
using EmailRelay.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EmailRelay.Api.Webhooks;

/// <summary>
/// API.md §Webhooks (scope <c>settings</c>): a project's endpoints, their deliveries and replays.
/// Projects work as for API keys: a project key sees and changes only its own project's endpoints
/// (another's answers 404), an operator names the project with <c>project_id</c>. A URL is checked
/// by the SSRF guard when it is registered, and again by Tracking on every connection.
/// </summary>
public static class WebhooksEndpoints
{
    private const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Scopes.Settings);
        webhooks.MapPost("/", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Register an endpoint for some event types; its signing secret is shown only in this response")
            .Accepts<CreateWebhookRequest>("application/json").Produces<CreatedWebhook>(StatusCodes.Status201Created)
            .WithLocationHeader(StatusCodes.Status201Created);
        webhooks.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("The endpoints this key may manage, oldest first, keyset-paginated")
            .Produces<Page<WebhookResponse>>().WithValidatedQuery(WebhookQuery.List);
        webhooks.MapGet("/{id}", GetAsync).WithName("GetWebhook").WithSummary("One endpoint, without its secret")
            .Produces<WebhookResponse>();
        webhooks.MapPatch("/{id}", UpdateAsync).WithName("UpdateWebhook")
            .WithSummary("Change an endpoint's URL, event types or description, or enable or disable it; members left out stay as they are")
            .Accepts<UpdateWebhookRequest>("application/json").Produces<WebhookResponse>();
        webhooks.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhook")
            .WithSummary("Delete an endpoint; its deliveries not yet made are never sent");
        webhooks.MapPost("/{id}/rotate-secret", RotateSecretAsync).WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret, shown only in this response; the old one keeps signing for Webhooks__RotationGrace")
            .Produces<RotatedWebhookSecret>();
        webhooks.MapGet("/{id}/deliveries", ListDeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's deliveries, newest first, each with its attempts")
            .Produces<Page<WebhookDeliveryResponse>>().WithValidatedQuery(WebhookQuery.Deliveries);
        webhooks.MapPost("/{id}/deliveries/{delivery_id}/replay", ReplayAsync).WithName("ReplayWebhookDelivery")
            .WithSummary("Send a delivery again: pending and due now, its retry schedule starting over")
            .Produces<WebhookDeliveryResponse>(StatusCodes.Status202Accepted)
            .WithProblemResponse(StatusCodes.Status409Conflict, "The endpoint is disabled, or an attempt of this delivery is in flight: nothing was replayed.");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, WebhookStore store, ProjectStore projects, WebhookAddressGuard guard,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<CreateWebhookRequest>(body.Body.Span, out var create, out var problem))
        {
            return problem!;
        }
        var caller = ApiCaller.From(context.User);
        var errors = new ValidationErrors();
        var url = WebhookRules.Url(create!.Url, guard.AllowPrivateNetworks, errors);
        var eventTypes = WebhookRules.EventTypes(create.EventTypes, errors);
        var description = WebhookRules.Description(create.Description, errors);
        var projectId = ProjectScope.ForWrite(caller, create.ProjectId, errors);
        if (errors.Count == 0 && caller.IsOperator && create.ProjectId is not null && !await projects.ExistsAsync(projectId, cancellationToken))
        {
            errors.Add(ProjectScope.Field, $"No project with id '{projectId}'.");
        }
        if (errors.Count == 0)
        {
            await CheckAddressesAsync(url!, guard, errors, cancellationToken);
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var (endpoint, secret) = await store.CreateAsync(projectId, create.Url!, description, eventTypes!, cancellationToken);
        return TypedResults.Created($"/v1/webhooks/{endpoint.Id}", new CreatedWebhook(endpoint.Id, endpoint.ProjectId, endpoint.Url,
            endpoint.Description, endpoint.EventTypes, secret, endpoint.Enabled, endpoint.CreatedAt));
    }

    private static async Task<IResult> ListAsync(HttpContext context, WebhookStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var project = ProjectScope.ForRead(ApiCaller.From(context.User), context.Request.Query[ProjectScope.Field], errors);
        var limit = QueryParameters.Limit(context.Request.Query, errors);
        var after = QueryParameters.After(context.Request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var rows = (await store.ListAsync(project, after, limit, cancellationToken)).ToList();
        var next = KeysetPage.TrimToPage(rows, limit, r => Cursor.Encode(r.Id));
        return TypedResults.Ok(new Page<WebhookResponse>(rows.Select(r => ToResponse(r, time)).ToList(), next));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, WebhookStore store, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(id, context, store, cancellationToken);
        return endpoint is null ? NotFound(id) : TypedResults.Ok(ToResponse(endpoint, time));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, WebhookStore store, WebhookAddressGuard guard,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return NotFound(id);
        }
        var body = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        if (!JsonBody.TryParse<UpdateWebhookRequest>(body.Body.Span, out var patch, out var problem))
        {
            return problem!;
        }
        // Merge-patch semantics: an absent member is left alone, "description": null clears it. The
        // typed parse cannot tell absent from null, so ask the document.
        using var document = JsonDocument.Parse(body.Body);
        bool Has(string member) => document.RootElement.TryGetProperty(member, out _);

        var errors = new ValidationErrors();
        var url = Has("url") ? WebhookRules.Url(patch!.Url, guard.AllowPrivateNetworks, errors) : null;
        var eventTypes = Has("event_types") ? WebhookRules.EventTypes(patch!.EventTypes, errors) : null;
        var description = Has("description") ? WebhookRules.Description(patch!.Description, errors) : null;
        if (Has("enabled") && patch!.Enabled is null)
        {
            errors.Add("enabled", "enabled is true or false.");
        }
        if (errors.Count == 0 && url is not null)
        {
            await CheckAddressesAsync(url, guard, errors, cancellationToken);
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var changes = new WebhookChanges(url is null ? null : patch!.Url, eventTypes, Has("description"), description, patch!.Enabled);
        var endpoint = await store.UpdateAsync(guid, ApiCaller.From(context.User).ProjectId, changes, cancellationToken);
        return endpoint is null ? NotFound(id) : TypedResults.Ok(ToResponse(endpoint, time));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, WebhookStore store,
        CancellationToken cancellationToken)
    {
        if (Guid.TryParse(id, out var guid) && await store.DeleteAsync(guid, ApiCaller.From(context.User).ProjectId, cancellationToken))
        {
            return TypedResults.NoContent();
        }
        return NotFound(id);
    }

    private static async Task<IResult> RotateSecretAsync(string id, HttpContext context, WebhookStore store, IOptions<WebhookApiOptions> options,
        CancellationToken cancellationToken)
    {
        var rotated = Guid.TryParse(id, out var guid)
            ? await store.RotateSecretAsync(guid, ApiCaller.From(context.User).ProjectId, options.Value.RotationGrace, cancellationToken)
            : null;
        return rotated is not { } r
            ? NotFound(id)
            : TypedResults.Ok(new RotatedWebhookSecret(r.Endpoint.Id, r.Secret, r.Endpoint.PreviousExpiresAt));
    }

    private static async Task<IResult> ListDeliveriesAsync(string id, HttpContext context, WebhookStore store, WebhookDeliveries deliveries,
        CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(id, context, store, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(id);
        }
        var query = context.Request.Query;
        var errors = new ValidationErrors();
        var status = QueryParameters.OneOf(query, "status", WebhookDeliveries.Statuses, errors);
        var limit = QueryParameters.Limit(query, errors);
        var after = QueryParameters.After(query, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await deliveries.ListAsync(endpoint.Id, status, after, limit, cancellationToken));
    }

    private static async Task<IResult> ReplayAsync(string id, [FromRoute(Name = "delivery_id")] string deliveryId, HttpContext context,
        WebhookStore store, WebhookDeliveries deliveries, CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(id, context, store, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(id);
        }
        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }
        var result = Guid.TryParse(deliveryId, out var delivery)
            ? await deliveries.ReplayAsync(endpoint.Id, delivery, cancellationToken)
            : ReplayResult.NotFound;
        return result switch
        {
            ReplayResult.Replayed when await deliveries.GetAsync(endpoint.Id, delivery, cancellationToken) is { } replayed =>
                TypedResults.Accepted($"/v1/webhooks/{endpoint.Id}/deliveries", replayed),
            ReplayResult.EndpointClosed => Disabled(endpoint),
            ReplayResult.InFlight => Problems.Problem(StatusCodes.Status409Conflict, "Attempt in flight",
                "An attempt of this delivery is being made right now; replay it once that attempt is recorded."),
            _ => Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No delivery with id '{deliveryId}' for webhook '{id}'."),
        };
    }

    /// <summary>The endpoint, if it exists, is not deleted and belongs to the caller's project (any, for an operator).</summary>
    private static async Task<WebhookRecord?> FindAsync(string id, HttpContext context, WebhookStore store, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var guid) ? await store.GetAsync(guid, ApiCaller.From(context.User).ProjectId, cancellationToken) : null;

    /// <summary>The SSRF guard at registration: every address the host resolves to must be allowed.</summary>
    private static async Task CheckAddressesAsync(Uri url, WebhookAddressGuard guard, ValidationErrors errors, CancellationToken cancellationToken)
    {
        try
        {
            await guard.ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (WebhookAddressRefusedException ex)
        {
            errors.Add("url", ex.Message);
        }
    }

    private static WebhookResponse ToResponse(WebhookRecord e, TimeProvider time) =>
        new(e.Id, e.ProjectId, e.Url, e.Description, e.EventTypes, e.Enabled, e.DisabledReason,
            e.PreviousExpiresAt > time.GetUtcNow().UtcDateTime ? e.PreviousExpiresAt : null, e.CreatedAt, e.UpdatedAt);

    private static ProblemHttpResult Disabled(WebhookRecord endpoint) =>
        Problems.Problem(StatusCodes.Status409Conflict, "Webhook disabled",
            $"The endpoint is disabled ({endpoint.DisabledReason ?? "disabled"}): a replay would not be sent. Enable it with PATCH first.");

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Problem(StatusCodes.Status404NotFound, "Not found", $"No webhook with id '{id}'.");
}
