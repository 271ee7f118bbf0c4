using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// A real DNS server for a test: Debian's dnsmasq on a loopback port, answering from a
/// <see cref="DnsZone"/>. The relay is pointed at it with <c>Delivery__Dns__Servers</c> =
/// <see cref="Endpoint"/>. Records are fixed for the server's life: start another to change them.
/// </summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly ServerFailureStub? _stub;

    private TestDnsServer(Process process, int port, string directory, ServerFailureStub? stub)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _stub = stub;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form <c>Delivery__Dns__Servers</c> takes.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>dnsmasq's own log of every query (log-queries), for a failing test's output.</summary>
    public string Log => File.Exists(Path.Combine(_directory, "dnsmasq.log")) ? File.ReadAllText(Path.Combine(_directory, "dnsmasq.log")) : "";

    /// <param name="port">A port to listen on (e.g. that of a server this one replaces, so a relay pointed at it sees new records); default a free one.</param>
    public static async Task<TestDnsServer> StartAsync(DnsZone zone, int? port = null)
    {
        var dnsmasq = new[] { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("dnsmasq is not installed (Debian: dnsmasq-base; scripts/deps.sh installs it)");
        var stub = zone.ServerFailureDomains.Count > 0 ? ServerFailureStub.Start() : null;
        port ??= TestPorts.TcpAndUdp();
        var directory = Path.Combine(Path.GetTempPath(), "emailrelay-dns-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "dnsmasq.conf");
        await File.WriteAllTextAsync(config, zone.ToConfig(port.Value, stub?.Port ?? 0) + "log-queries\n");
        var info = new ProcessStartInfo(dnsmasq)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "--keep-in-foreground", $"--conf-file={config}", $"--log-facility={Path.Combine(directory, "dnsmasq.log")}",
                     $"--pid-file={Path.Combine(directory, "dnsmasq.pid")}", Environment.UserName == "root" ? "--user=root" : "--user=" })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        var server = new TestDnsServer(process, port.Value, directory, stub);
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                var error = await process.StandardError.ReadToEndAsync();
                await server.DisposeAsync();
                throw new InvalidOperationException($"dnsmasq exited ({process.ExitCode}): {error}");
            }
            if (await AnswersTcpAsync(port.Value))
            {
                return server;
            }
            await Task.Delay(50);
        }
        await server.DisposeAsync();
        throw new TimeoutException("dnsmasq did not listen within 5 s");
    }

    private static async Task<bool> AnswersTcpAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _stub?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// The upstream dnsmasq forwards <see cref="DnsZone.ServerFailure"/> domains to: it answers every
    /// query with SERVFAIL (header only plus the question), which dnsmasq passes on as it is.
    /// </summary>
    private sealed class ServerFailureStub : IDisposable
    {
        private readonly UdpClient _udp;
        private readonly CancellationTokenSource _stop = new();

        private ServerFailureStub(UdpClient udp)
        {
            _udp = udp;
            _ = Task.Run(LoopAsync);
        }

        public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

        public static ServerFailureStub Start() => new(new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)));

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult query;
                try
                {
                    query = await _udp.ReceiveAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                if (query.Buffer.Length < 12)
                {
                    continue;
                }
                var reply = (byte[])query.Buffer.Clone();
                reply[2] = (byte)(0x80 | (query.Buffer[2] & 0x01));   // QR, and RD as asked
                reply[3] = 0x82;                                       // RA, RCODE 2 (SERVFAIL)
                reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;   // no answer, authority, additional records
                await _udp.SendAsync(reply, query.RemoteEndPoint);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
            _stop.Dispose();
        }
    }
}
