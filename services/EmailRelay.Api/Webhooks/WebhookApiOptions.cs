using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Api.Webhooks;

/// <summary><c>Webhooks__RotationGrace</c>: how long the secret replaced by a rotation still signs deliveries.</summary>
public sealed class WebhookApiOptions
{
    public const string Section = "Webhooks";

    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RotationGrace { get; set; } = TimeSpan.FromHours(24);
}
