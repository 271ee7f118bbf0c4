namespace EmailRelay.Api.Submission;

/// <summary>
/// Open sessions of this process, in all and per client address. In memory on purpose: these
/// limits protect this process's sockets and threads, so they are per replica (the cluster-wide
/// limits — send rate, failed logins — are in PostgreSQL).
/// </summary>
public sealed class ConnectionLimiter(int maxConnections, int maxPerAddress)
{
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private int _total;

    public int Open
    {
        get
        {
            lock (_perAddress)
            {
                return _total;
            }
        }
    }

    public bool TryEnter(string address)
    {
        lock (_perAddress)
        {
            var current = _perAddress.GetValueOrDefault(address);
            if (_total >= maxConnections || current >= maxPerAddress)
            {
                return false;
            }
            _perAddress[address] = current + 1;
            _total++;
            return true;
        }
    }

    public void Exit(string address)
    {
        lock (_perAddress)
        {
            var current = _perAddress.GetValueOrDefault(address);
            if (current <= 1)
            {
                _perAddress.Remove(address);
            }
            else
            {
                _perAddress[address] = current - 1;
            }
            _total--;
        }
    }
}
