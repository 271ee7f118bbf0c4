using System.ComponentModel.DataAnnotations;

namespace EmailRelay.Sender.Delivery;

/// <summary><c>Sender__*</c>: how much work one replica takes on at once, and how it lets go of it.</summary>
public sealed class SenderOptions
{
    public const string Section = "Sender";

    /// <summary>
    /// Messages in delivery at once; more than the SMTP pool size only queues on the pool. Also the
    /// prefetch: a sender holds no command it is not working on, so what a stopping or dead sender
    /// had not started goes back to the queue untouched for another sender.
    /// </summary>
    [Range(1, 1000)] public int ConcurrentDeliveries { get; set; } = 32;

    /// <summary>
    /// On SIGTERM: how long in-flight transactions may run to their end. After it, those that have
    /// not reached DATA are cancelled and their recipients handed back, due at once. One past DATA
    /// still runs to its reply or its command timeout, so the host's shutdown timeout is set to the
    /// grace plus the smarthost command timeout plus 10 s; keep terminationGracePeriodSeconds above it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The most commands <c>deliver-message</c> holds ready (<c>x-max-length</c>, <c>x-overflow:
    /// reject-publish</c>): beyond it publishes are refused and the commands wait in the outbox.
    /// Changing it on an existing queue needs the queue deleted first (RabbitMQ refuses a redeclare
    /// with other arguments); the outbox safety net republishes what the deletion dropped.
    /// </summary>
    [Range(1, 10_000_000)] public int QueueMaxLength { get; set; } = 50_000;
}
