using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace EmailRelay.Webhooks;

/// <summary>
/// The SSRF guard (DESIGN.md §6): a host is reachable only if every address it resolves to is
/// allowed by <see cref="NetworkAddressRules"/>. The API applies it when a URL is registered; the
/// dispatcher applies it again on every new connection (<see cref="ConnectAsync"/>), resolving
/// the name itself and connecting to the very address it checked, so a name that is re-pointed at
/// an internal address after registration (DNS rebinding) is refused too.
/// </summary>
public sealed class WebhookAddressGuard
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    public WebhookAddressGuard(IOptions<WebhookNetworkOptions> options)
        : this(options.Value.AllowPrivateNetworks, Dns.GetHostAddressesAsync)
    {
    }

    /// <param name="resolve">Name resolution; tests pass their own.</param>
    public WebhookAddressGuard(bool allowPrivateNetworks, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        AllowPrivateNetworks = allowPrivateNetworks;
        _resolve = resolve;
    }

    public bool AllowPrivateNetworks { get; }

    /// <summary>The addresses of <paramref name="host"/> (a name or an IP literal), all of them allowed.</summary>
    /// <exception cref="WebhookAddressRefusedException">One of them is not allowed, or the name does not resolve.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await LookUpAsync(host, cancellationToken);
        foreach (var address in addresses)
        {
            var verdict = NetworkAddressRules.Classify(address);
            if (!NetworkAddressRules.Allows(verdict, AllowPrivateNetworks))
            {
                var name = address.ToString() == host.Trim('[', ']') ? address.ToString() : $"{host} resolves to {address}, which";
                throw new WebhookAddressRefusedException(verdict.Class == AddressClass.Private
                    ? $"{name} is {verdict.Range}: webhooks go to public addresses only (Webhooks__AllowPrivateNetworks allows private networks)."
                    : $"{name} is {verdict.Range}: never a webhook receiver.");
            }
        }
        return addresses;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, refuses it unless every
    /// address is allowed, then connects to those addresses in turn.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = await ResolveAsync(endpoint.Host, cancellationToken);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static bool IsUnder(string name, string domain) =>
        name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private async Task<IPAddress[]> LookUpAsync(string host, CancellationToken cancellationToken)
    {
        // Special-use names (RFC 6761 §6.3, §6.4) are answered without asking DNS: .invalid never
        // resolves, and localhost names are loopback whatever a resolver would say.
        var name = host.TrimEnd('.');
        if (IsUnder(name, "invalid"))
        {
            throw new WebhookAddressRefusedException($"{host} is under .invalid (RFC 6761): it never resolves.");
        }
        if (IsUnder(name, "localhost"))
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var addresses = await _resolve(host, timeout.Token);
            return addresses.Length > 0 ? addresses : throw new WebhookAddressRefusedException($"{host} has no address.");
        }
        catch (SocketException ex)
        {
            throw new WebhookAddressRefusedException($"{host} could not be resolved ({ex.SocketErrorCode}).");
        }
        catch (ArgumentException)
        {
            // The resolver refuses the name itself (longer than 255 characters, ...).
            throw new WebhookAddressRefusedException("The host name is not one DNS can resolve.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookAddressRefusedException($"{host} could not be resolved within {ResolveTimeout.TotalSeconds:0} s.");
        }
    }
}
