using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EmailRelay.DevSmtp;

/// <summary>Local mail catcher: accepts everything and logs one line per message.</summary>
internal static class Program
{
    private const string Usage = "usage: EmailRelay.DevSmtp [--port 2525] [--save-dir DIR] [--hostname NAME] [--listen IPV4] [--no-smtputf8]";

    public static async Task<int> Main(string[] args)
    {
        // A legacy server, to see what the relay does with internationalised addresses (RFC 6531).
        var noSmtpUtf8 = args.Contains("--no-smtputf8");
        args = [.. args.Where(a => a != "--no-smtputf8")];
        if (!TryParse(args, out var options, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        if (options is null)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        using var stopping = new CancellationTokenSource();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stopping));
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stopping));

        SmtpTestServer server;
        try
        {
            server = await SmtpTestServer.StartAsync(options, stopping.Token);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // start.sh shows this line; a stack trace would hide the one fact that matters.
            await Console.Error.WriteLineAsync($"port {options.Port} is already in use");
            return 1;
        }

        await using (server)
        {
            server.Behavior.OfferSmtpUtf8 = !noSmtpUtf8;
            server.MessageReceived += (_, message) => Console.WriteLine(
                $"accepted {message.Id} from={message.MailFrom} to={string.Join(',', message.Recipients)} " +
                $"bytes={message.Data.Length} tls={(message.Tls ? "true" : "false")}");
            Console.WriteLine($"listening on {options.ListenAddress}:{server.Port}");

            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM or Ctrl-C: the normal way to stop.
            }
        }

        return 0;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stopping)
    {
        // Cancelling the default action lets the server close its connections before the process exits.
        context.Cancel = true;
        stopping.Cancel();
    }

    /// <summary>False on a usage error; true with null options when help was asked for.</summary>
    private static bool TryParse(string[] args, out SmtpServerOptions? options, out string error)
    {
        var port = 2525;
        string? saveDirectory = null;
        var hostname = "devsmtp.localhost";
        var listen = System.Net.IPAddress.Loopback;
        options = null;
        error = string.Empty;

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                return true;
            }

            if (name is not ("--port" or "--save-dir" or "--hostname" or "--listen"))
            {
                error = $"unknown option {name}";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {name}";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                                   && parsed <= 65535:
                    port = parsed;
                    break;
                case "--port":
                    error = $"invalid port '{value}'";
                    return false;
                case "--listen" when System.Net.IPAddress.TryParse(value, out var address)
                                     && address.AddressFamily == AddressFamily.InterNetwork:
                    listen = address;
                    break;
                case "--listen":
                    error = $"invalid IPv4 address '{value}'";
                    return false;
                case "--save-dir":
                    saveDirectory = value;
                    break;
                default:
                    hostname = value;
                    break;
            }
        }

        options = new SmtpServerOptions
        {
            Port = port,
            SaveDirectory = saveDirectory,
            Hostname = hostname,
            ListenAddress = listen,
            // A catcher may run for days; keeping every message in memory would only leak.
            RecordHistory = false,
        };
        return true;
    }
}
