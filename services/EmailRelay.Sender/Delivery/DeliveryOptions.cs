using System.ComponentModel.DataAnnotations;
using EmailRelay.Sender.Routing;
using EmailRelay.Sender.Smtp;

namespace EmailRelay.Sender.Delivery;

/// <summary><c>Delivery__*</c>: where mail goes, how long it may wait, how retries are spaced.</summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string Section = "Delivery";

    /// <summary><c>smarthost</c> (default): everything not routed goes to <see cref="Smarthost"/>; <c>direct</c>: to the recipient domains' MX hosts.</summary>
    public DeliveryMode Mode { get; set; } = DeliveryMode.Smarthost;

    /// <summary>
    /// The smarthost of <c>smarthost</c> mode. Its HeloName, timeouts and pool sizes apply to every
    /// SMTP session the sender opens, named routes and MX hosts included.
    /// </summary>
    [Required] public SmarthostOptions Smarthost { get; set; } = new();

    /// <summary>Named routes, <c>Delivery__Routes__&lt;name&gt;__*</c>: recipient domains sent to their own smarthost in either mode.</summary>
    public Dictionary<string, NamedRouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    [Required] public DirectOptions Direct { get; set; } = new();

    /// <summary>Delays between attempts, e.g. "1m,5m,15m"; the last one repeats (DESIGN.md §4).</summary>
    [Required] public string RetrySchedule { get; set; } = "1m,5m,15m,30m,1h,2h,4h";

    /// <summary>Random spread added to each delay, as a fraction of it, so retries of a burst don't arrive together.</summary>
    [Range(0.0, 1.0)] public double RetryJitter { get; set; } = 0.1;

    /// <summary>
    /// How long a sender owns the recipients it leased without renewing. The lease is renewed every
    /// third of it while a transaction runs, so it need not outlast one: it bounds how long a
    /// crashed sender's recipients wait before another sender takes them (DESIGN.md §3.3).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Delivery.RetrySchedule.TryParse(RetrySchedule, out _, out var error))
        {
            yield return new ValidationResult($"Delivery:RetrySchedule: {error}", [nameof(RetrySchedule)]);
        }
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Smarthost, new ValidationContext(Smarthost), results, validateAllProperties: true);
        foreach (var result in results.Concat(Smarthost.Validate(validationContext)))
        {
            yield return new ValidationResult($"Delivery:Smarthost: {result.ErrorMessage}", result.MemberNames);
        }
        results.Clear();
        Validator.TryValidateObject(Direct, new ValidationContext(Direct), results, validateAllProperties: true);
        foreach (var result in results)
        {
            yield return new ValidationResult($"Delivery:Direct: {result.ErrorMessage}", [nameof(Direct)]);
        }
        foreach (var (name, route) in Routes)
        {
            foreach (var problem in route.Problems())
            {
                yield return new ValidationResult($"Delivery:Routes:{name}: {problem}", [nameof(Routes)]);
            }
        }
        foreach (var conflict in RouteTable.Conflicts(Routes))
        {
            yield return new ValidationResult($"Delivery:Routes: {conflict}", [nameof(Routes)]);
        }
    }
}
