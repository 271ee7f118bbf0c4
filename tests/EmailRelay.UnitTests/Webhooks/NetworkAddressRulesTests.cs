using System.Net;
using EmailRelay.Webhooks;

namespace EmailRelay.UnitTests.Webhooks;

public sealed class NetworkAddressRulesTests
{
    [Theory]
    // IPv4 public
    [InlineData("1.1.1.1", AddressClass.Public)]
    [InlineData("8.8.8.8", AddressClass.Public)]
    [InlineData("93.184.215.14", AddressClass.Public)]
    [InlineData("100.63.255.255", AddressClass.Public)]
    [InlineData("100.128.0.0", AddressClass.Public)]
    [InlineData("172.15.255.255", AddressClass.Public)]
    [InlineData("172.32.0.0", AddressClass.Public)]
    [InlineData("223.255.255.255", AddressClass.Public)]
    // IPv4 private: allowed only with AllowPrivateNetworks
    [InlineData("127.0.0.1", AddressClass.Private)]
    [InlineData("127.255.255.254", AddressClass.Private)]
    [InlineData("10.0.0.1", AddressClass.Private)]
    [InlineData("172.16.0.1", AddressClass.Private)]
    [InlineData("172.31.255.255", AddressClass.Private)]
    [InlineData("192.168.1.1", AddressClass.Private)]
    [InlineData("169.254.1.1", AddressClass.Private)]
    [InlineData("100.64.0.1", AddressClass.Private)]
    [InlineData("100.127.255.255", AddressClass.Private)]
    [InlineData("192.0.0.8", AddressClass.Private)]
    [InlineData("192.0.2.10", AddressClass.Private)]
    [InlineData("198.18.0.1", AddressClass.Private)]
    [InlineData("198.19.255.255", AddressClass.Private)]
    [InlineData("198.51.100.7", AddressClass.Private)]
    [InlineData("203.0.113.9", AddressClass.Private)]
    [InlineData("192.88.99.1", AddressClass.Private)]
    [InlineData("240.0.0.1", AddressClass.Private)]
    // IPv4 never
    [InlineData("0.0.0.0", AddressClass.Never)]
    [InlineData("0.1.2.3", AddressClass.Never)]
    [InlineData("169.254.169.254", AddressClass.Never)]
    [InlineData("169.254.170.2", AddressClass.Never)]
    [InlineData("100.100.100.200", AddressClass.Never)]
    [InlineData("224.0.0.1", AddressClass.Never)]
    [InlineData("239.255.255.250", AddressClass.Never)]
    [InlineData("255.255.255.255", AddressClass.Never)]
    // IPv6
    [InlineData("2606:4700:4700::1111", AddressClass.Public)]
    [InlineData("2a00:1450:4001:80b::200e", AddressClass.Public)]
    [InlineData("::1", AddressClass.Private)]
    [InlineData("::", AddressClass.Never)]
    [InlineData("fc00::1", AddressClass.Private)]
    [InlineData("fd12:3456:789a::1", AddressClass.Private)]
    [InlineData("fe80::1", AddressClass.Private)]
    [InlineData("febf:ffff::1", AddressClass.Private)]
    [InlineData("fec0::1", AddressClass.Private)]
    [InlineData("ff02::1", AddressClass.Never)]
    [InlineData("ff05::1:3", AddressClass.Never)]
    [InlineData("fd00:ec2::254", AddressClass.Never)]
    [InlineData("2001:db8::1", AddressClass.Private)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass.Private)]
    [InlineData("100::1", AddressClass.Private)]
    [InlineData("64:ff9b:1::1", AddressClass.Private)]
    [InlineData("3fff::1", AddressClass.Private)]
    [InlineData("4000::1", AddressClass.Private)]
    // IPv4 inside IPv6: judged by the IPv4 address
    [InlineData("::ffff:127.0.0.1", AddressClass.Private)]
    [InlineData("::ffff:10.1.2.3", AddressClass.Private)]
    [InlineData("::ffff:169.254.169.254", AddressClass.Never)]
    [InlineData("::ffff:8.8.8.8", AddressClass.Public)]
    [InlineData("::ffff:0:127.0.0.1", AddressClass.Private)]
    [InlineData("::127.0.0.1", AddressClass.Private)]
    [InlineData("::10.0.0.1", AddressClass.Private)]
    [InlineData("::8.8.8.8", AddressClass.Private)]
    [InlineData("64:ff9b::127.0.0.1", AddressClass.Private)]
    [InlineData("64:ff9b::169.254.169.254", AddressClass.Never)]
    [InlineData("64:ff9b::8.8.8.8", AddressClass.Public)]
    [InlineData("2002:7f00:1::1", AddressClass.Private)]
    [InlineData("2002:c0a8:101::1", AddressClass.Private)]
    [InlineData("2002:808:808::1", AddressClass.Public)]
    public void Each_address_falls_in_its_class(string address, AddressClass expected)
    {
        var verdict = NetworkAddressRules.Classify(IPAddress.Parse(address));

        Assert.True(expected == verdict.Class, $"{address}: {verdict.Class} ({verdict.Range}), expected {expected}");
    }

    [Theory]
    [InlineData(AddressClass.Public, false, true)]
    [InlineData(AddressClass.Public, true, true)]
    [InlineData(AddressClass.Private, false, false)]
    [InlineData(AddressClass.Private, true, true)]
    [InlineData(AddressClass.Never, false, false)]
    [InlineData(AddressClass.Never, true, false)]
    public void Allowing_private_networks_opens_private_addresses_and_never_the_others(AddressClass @class, bool allowPrivate, bool allowed)
    {
        Assert.Equal(allowed, NetworkAddressRules.Allows(new AddressVerdict(@class, "test"), allowPrivate));
    }

    [Fact]
    public void The_verdict_names_the_range_including_for_an_embedded_address()
    {
        Assert.Equal("loopback (127.0.0.0/8)", NetworkAddressRules.Classify(IPAddress.Parse("127.0.0.1")).Range);
        Assert.Equal("IPv4-mapped 10.1.2.3: private (RFC 1918) (10.0.0.0/8)", NetworkAddressRules.Classify(IPAddress.Parse("::ffff:10.1.2.3")).Range);
    }
}
