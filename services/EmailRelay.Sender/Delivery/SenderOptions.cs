using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Delivery;

/// <summary><c>Sender__*</c>: how much work one replica takes on at once.</summary>
public sealed class SenderOptions
{
    public const string Section = "Sender";

    /// <summary>Messages in delivery at once; more than the SMTP pool size only queues on the pool.</summary>
    [Range(1, 1000)] public int ConcurrentDeliveries { get; set; } = 32;

    [Range(1, 10000)] public int PrefetchCount { get; set; } = 64;
}
