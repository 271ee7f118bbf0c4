using System.Net;
using System.Net.Sockets;

namespace EmailRelay.IntegrationTests.Infrastructure;

/// <summary>
/// Listening ports for the servers and service processes a test starts.
/// </summary>
/// <remarks>
/// A port from bind(0) lies in the kernel's ephemeral range, the range every outgoing connection
/// (Npgsql, RabbitMQ, HTTP, SMTP) also draws its local port from. Between the probe closing such a
/// port and the child process binding it, an outgoing connection can take it, and the child dies
/// with "address already in use". These ports come from below that range, where the kernel never
/// picks, and none is handed out twice in one test run. The probe bind still runs, to step over
/// whatever else on the machine listens there.
/// </remarks>
public static class TestPorts
{
    private const int LowestPort = 10000;

    // Read once: the kernel setting does not change during a test run.
    private static readonly int EphemeralStart = ReadEphemeralRangeStart();

    // Where this run starts within the range: apart from another test run's start, most of the time.
    private static int _last = LowestPort + Random.Shared.Next(0, (EphemeralStart - LowestPort) / 2);

    /// <summary>A TCP port free on 127.0.0.1.</summary>
    public static int Tcp() => Next(port => ProbeTcp(IPAddress.Loopback, port));

    /// <summary>A port free on 127.0.0.1 for both TCP and UDP (a DNS server listens on both).</summary>
    public static int TcpAndUdp() => Next(port => ProbeTcp(IPAddress.Loopback, port) && ProbeUdp(port));

    /// <summary>A TCP port free on every one of <paramref name="addresses"/> (several loopback MX hosts on one port).</summary>
    public static int TcpOn(IEnumerable<IPAddress> addresses) => Next(port => addresses.All(address => ProbeTcp(address, port)));

    private static int Next(Func<int, bool> isFree)
    {
        var limit = EphemeralStart;
        for (var tries = 0; tries < 1000; tries++)
        {
            var port = Interlocked.Increment(ref _last);
            if (port >= limit)
            {
                // A run that used the whole range wraps to the bottom; the probe skips any port still in use.
                Interlocked.CompareExchange(ref _last, LowestPort, port);
                continue;
            }
            if (isFree(port))
            {
                return port;
            }
        }
        throw new InvalidOperationException($"no free port between {LowestPort} and {limit} after 1000 tries");
    }

    private static bool ProbeTcp(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool ProbeUdp(int port)
    {
        try
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port the kernel hands out for bind(0) and outgoing connections (Linux default 32768).</summary>
    private static int ReadEphemeralRangeStart()
    {
        const string rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(rangeFile)
            && int.TryParse(File.ReadAllText(rangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
            && start > LowestPort + 1000)
        {
            return start;
        }
        return 32768;
    }
}
