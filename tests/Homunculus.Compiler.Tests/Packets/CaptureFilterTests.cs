using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Packets;
using PacketDotNet;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>
/// The source-IP capture filter (docs/packet-features.md, "Selecting one device's packets"): the address parser,
/// the match on crafted frames (VLAN, IPv6, truncated headers), on every sample capture against an independent
/// decoder (PacketDotNet), its agreement with the MAC filter for a device that keeps one address, the loader's
/// selection with ipSrc, ipSrcFile and ipSrc combined with a MAC filter, and the diagnostics with line and column.
/// </summary>
public sealed class CaptureFilterTests
{
    [Theory]
    [InlineData("10.10.10.89", "0A0A0A59")]
    [InlineData(" 192.168.0.20\n", "C0A80014")]
    [InlineData("0.0.0.0", "00000000")]
    [InlineData("255.255.255.255", "FFFFFFFF")]
    [InlineData("fe80::22f8:5eff:feca:9152", "FE8000000000000022F85EFFFECA9152")]
    [InlineData("::ffff:192.168.0.20", "00000000000000000000FFFFC0A80014")]
    [InlineData("2001:db8::1", "20010DB8000000000000000000000001")]
    public void Addresses_parse_to_their_bytes(string text, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(PcapReader.ParseIp(text)!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.10.10")]
    [InlineData("10.10.10.256")]
    [InlineData("010.10.10.1")]
    [InlineData("10.10.10.1.5")]
    [InlineData("1")]
    [InlineData("0x0a.1.1.1")]
    [InlineData("10.10.10.-1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[2001:db8::1]")]
    [InlineData("2001:db8::/32")]
    [InlineData("2001:db8:::1")]
    [InlineData("20:f8:5e:ca:91:52")]
    [InlineData("device")]
    public void Bad_addresses_are_refused(string text)
    {
        Assert.Null(PcapReader.ParseIp(text));
    }

    private static PcapFrame Whole(byte[] frame) => new(0, 0, frame.Length, frame.Length);

    [Fact]
    public void The_match_finds_the_IP_header_as_the_parser_does()
    {
        var a = new byte[] { 10, 0, 0, 7 };
        var ipv4 = PacketFieldTests.Frame(0x0800, PacketFieldTests.Ipv4(5, 17, 0, new byte[8]));
        a.CopyTo(ipv4, 14 + 12);
        Assert.True(PcapLoader.FromIp(ipv4, Whole(ipv4), a));
        Assert.False(PcapLoader.FromIp(ipv4, Whole(ipv4), new byte[] { 10, 0, 0, 8 }));
        // The destination is not the source.
        var toA = PacketFieldTests.Frame(0x0800, PacketFieldTests.Ipv4(5, 17, 0, new byte[8]));
        a.CopyTo(toA, 14 + 16);
        Assert.False(PcapLoader.FromIp(toA, Whole(toA), a));
        // Behind one 802.1Q tag; a later fragment still carries its source address.
        var tagged = PacketFieldTests.Frame(0x8100, new byte[] { 0x20, 0x05, 0x08, 0x00 }.Concat(PacketFieldTests.Ipv4(5, 17, 185, new byte[8])).ToArray());
        a.CopyTo(tagged, 18 + 12);
        Assert.True(PcapLoader.FromIp(tagged, Whole(tagged), a));
        // A header that does not fit in the frame is no header, as for the fields.
        Assert.False(PcapLoader.FromIp(ipv4, new PcapFrame(0, 0, 14 + 19, 14 + 19), a));
        Assert.True(PcapLoader.FromIp(ipv4, new PcapFrame(0, 0, 14 + 20, 14 + 20), a));
        // The same bytes in an ARP frame are not an IP source.
        var arp = (byte[])ipv4.Clone();
        arp[12] = 0x08; arp[13] = 0x06;
        Assert.False(PcapLoader.FromIp(arp, Whole(arp), a));

        // IPv6: the 16-byte source; an IPv4 address never matches IPv6, nor the reverse.
        var v6 = PcapReader.ParseIp("fe80::22f8:5eff:feca:9152")!;
        var header = new byte[40];
        header[0] = 0x60; header[6] = 17;
        v6.CopyTo(header, 8);
        var ipv6 = PacketFieldTests.Frame(0x86DD, header);
        Assert.True(PcapLoader.FromIp(ipv6, Whole(ipv6), v6));
        Assert.False(PcapLoader.FromIp(ipv6, Whole(ipv6), v6.AsSpan(12).ToArray()));
        Assert.False(PcapLoader.FromIp(ipv4, Whole(ipv4), PcapReader.ParseIp("::ffff:10.0.0.7")!));
        // A frame inside a larger buffer: the offset counts.
        var buffer = new byte[5].Concat(ipv6).ToArray();
        Assert.True(PcapLoader.FromIp(buffer, new PcapFrame(0, 5, ipv6.Length, ipv6.Length), v6));
    }

    /// <summary>Per sample capture (path order): its device folder, bytes and frames.</summary>
    private static IEnumerable<(string Device, string Split, string Path, byte[] Bytes, IReadOnlyList<PcapFrame> Frames)> Captures()
    {
        foreach (var path in PacketFieldTests.SampleCaptures())
        {
            var bytes = File.ReadAllBytes(path);
            string folder = System.IO.Path.GetDirectoryName(path)!;
            yield return (System.IO.Path.GetFileName(folder), System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(folder))!, path, bytes, PcapReader.TryRead(bytes, out _)!);
        }
    }

    private static byte[] MacOf(string device) =>
        PcapReader.ParseMac(File.ReadAllText(System.IO.Path.Combine(PacketFieldTests.SampleFolder, "data", "train", device, "_iotdevice-mac.txt")))!;

    /// <summary>The IPv4 source address PacketDotNet decodes, else null.</summary>
    private static IPAddress? Ipv4Source(byte[] bytes, PcapFrame frame)
    {
        var eth = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, bytes.AsSpan(frame.Offset, frame.CapturedLength).ToArray());
        return eth.PayloadPacket is IPv4Packet ip ? ip.SourceAddress : null;
    }

    /// <summary>
    /// A device of the sample whose packets (by its MAC) carry one IPv4 source address, and that address: found
    /// from the captures, as a user would find it.
    /// </summary>
    private static (string Device, IPAddress Address) DeviceWithOneAddress()
    {
        foreach (var device in Captures().Select(c => c.Device).Distinct().Order(StringComparer.Ordinal))
        {
            var mac = MacOf(device);
            var sources = Captures().Where(c => c.Device == device)
                .SelectMany(c => c.Frames.Where(f => PcapLoader.FromMac(c.Bytes, f, mac)).Select(f => Ipv4Source(c.Bytes, f)))
                .Where(a => a is not null).ToList();
            if (sources.Count > 100 && sources.Distinct().Count() == 1) return (device, sources[0]!);
        }
        throw new InvalidOperationException("no sample device keeps one IPv4 address");
    }

    [Fact]
    public void The_IP_filter_selects_exactly_the_frames_from_that_address_and_agrees_with_the_MAC_filter()
    {
        var (device, address) = DeviceWithOneAddress();
        var bytes = address.GetAddressBytes();
        var mac = MacOf(device);
        int selected = 0, checkedFrames = 0;
        foreach (var capture in Captures())
        {
            foreach (var frame in capture.Frames)
            {
                bool byIp = PcapLoader.FromIp(capture.Bytes, frame, bytes);
                Assert.Equal(address.Equals(Ipv4Source(capture.Bytes, frame)), byIp);
                if (capture.Device == device)
                {
                    // The device keeps one address: its IPv4 packets by MAC are its packets by IP.
                    bool byMac = PcapLoader.FromMac(capture.Bytes, frame, mac);
                    Assert.Equal(byMac && Ipv4Source(capture.Bytes, frame) is not null, byIp);
                }
                if (byIp) selected++;
                checkedFrames++;
            }
        }
        Assert.True(selected > 100 && checkedFrames > 5000, $"{selected} of {checkedFrames} frames from {address}");
    }

    private static (HSpec Spec, LoadedData Data) Load(string specText)
    {
        string path = System.IO.Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(path, specText, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var files = DataLoader.ReadFiles(spec!, diagnostics)!;
        Assert.True(files is not null, string.Join("\n", diagnostics.Items));
        var data = DataLoader.Load(spec!, files, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return (spec!, data!);
    }

    /// <summary>The sample spec whose test captures are one entry per device; <paramref name="filterOf"/> gives an entry's own filter (null: the data's).</summary>
    private static string SpecWithTestFilters(Func<string, string?> filterOf)
    {
        string text = File.ReadAllText(System.IO.Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec"));
        var devices = Captures().Where(c => c.Split == "test").Select(c => c.Device).Distinct().Order(StringComparer.Ordinal);
        string entries = string.Join(", ", devices.Select(d => filterOf(d) is { } filter
            ? $"{{ \"files\": \"data/test/{d}/*.pcap\", \"filter\": {filter} }}"
            : $"{{ \"files\": \"data/test/{d}/*.pcap\" }}"));
        const string test = "\"test\": \"data/test/*/*.pcap\",";
        Assert.Contains(test, text);
        return text.Replace(test, $"\"test\": [{entries}],", StringComparison.Ordinal);
    }

    [Fact]
    public void The_loader_selects_by_ipSrc_by_ipSrcFile_and_by_both_filters()
    {
        var (device, address) = DeviceWithOneAddress();
        var testCaptures = Captures().Where(c => c.Split == "test").ToList();

        void AssertSelection(LoadedData data, Func<byte[], PcapFrame, bool> expected, string onlyFor)
        {
            Assert.Equal(testCaptures.Count, data.TestCaptures!.Count);
            int rows = 0;
            for (int c = 0; c < testCaptures.Count; c++)
            {
                var capture = testCaptures[c];
                var macOf = MacOf(capture.Device);
                var selected = capture.Frames.Select(f => capture.Device == onlyFor ? expected(capture.Bytes, f) : PcapLoader.FromMac(capture.Bytes, f, macOf)).ToList();
                Assert.Equal(selected, data.TestCaptures[c].Selected);
                rows += selected.Count(s => s);
            }
            Assert.Equal(rows, data.Test.Rows);
        }

        // ipSrc: the device's IPv4 packets.
        var (_, byIp) = Load(SpecWithTestFilters(d => d == device ? $"{{ \"ipSrc\": \"{address}\" }}" : null));
        AssertSelection(byIp, (b, f) => address.Equals(Ipv4Source(b, f)), device);
        Assert.Contains(byIp.Notes, n => n.Contains("source-address filter", StringComparison.Ordinal));

        // A device with two addresses: both filters keep the packets with its MAC and that address only.
        string other = Captures().Select(c => c.Device).First(d => d != device);
        var otherAddress = Captures().Where(c => c.Device == other && c.Split == "test")
            .SelectMany(c => c.Frames.Where(f => PcapLoader.FromMac(c.Bytes, f, MacOf(other))).Select(f => Ipv4Source(c.Bytes, f)))
            .Where(a => a is not null && !a.Equals(IPAddress.Any)).GroupBy(a => a).OrderByDescending(g => g.Count()).First().Key!;
        var (_, both) = Load(SpecWithTestFilters(d => d == other ? $"{{ \"ethSrcFile\": \"_iotdevice-mac.txt\", \"ipSrc\": \"{otherAddress}\" }}" : null));
        AssertSelection(both, (b, f) => PcapLoader.FromMac(b, f, MacOf(other)) && otherAddress.Equals(Ipv4Source(b, f)), other);
        int byMacOnly = testCaptures.Where(c => c.Device == other).Sum(c => c.Frames.Count(f => PcapLoader.FromMac(c.Bytes, f, MacOf(other))));
        int byBoth = testCaptures.Select((c, i) => (c, i)).Where(x => x.c.Device == other).Sum(x => both.TestCaptures![x.i].Selected.Count(s => s));
        Assert.InRange(byBoth, 1, byMacOnly - 1);

        // ipSrcFile: the address read from a file in the capture's folder (a copy of the sample's folder here).
        using var project = new TempProject();
        foreach (var capture in testCaptures.Where(c => c.Device == device))
        {
            string copy = System.IO.Path.Combine(project.Root, "test", device, System.IO.Path.GetFileName(capture.Path));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
            File.Copy(capture.Path, copy);
        }
        File.WriteAllText(System.IO.Path.Combine(project.Root, "test", device, "ip.txt"), address + "\n");
        string root = project.Root.Replace('\\', '/');
        string spec = SpecWithTestFilters(d => d == device ? "{ \"ipSrcFile\": \"ip.txt\" }" : null)
            .Replace($"\"files\": \"data/test/{device}/*.pcap\"", $"\"files\": \"{root}/test/{device}/*.pcap\"", StringComparison.Ordinal);
        var (parsed, fromFile) = Load(spec);
        Assert.Contains(parsed.Data.Train, p => p.FullPath.EndsWith("ip.txt", StringComparison.Ordinal));   // read, hashed, a dependency
        AssertSelection(fromFile, (b, f) => address.Equals(Ipv4Source(b, f)), device);
    }

    // ---- diagnostics ----

    private static TempProject Project(string filter)
    {
        var project = new TempProject();
        foreach (var (label, ttl) in new[] { ("a", (byte)64), ("b", (byte)128) })
        {
            for (int file = 0; file < 2; file++)
            {
                var records = Enumerable.Range(0, 20).Select(i =>
                {
                    var frame = PacketFieldTests.Frame(0x0800, PacketFieldTests.Ipv4(5, 17, 0, new byte[8]));
                    frame[14 + 8] = (byte)(ttl + i % 3);
                    new byte[] { 10, 0, 0, (byte)(1 + i % 2) }.CopyTo(frame, 14 + 12);
                    return new Pcap.Record((uint)i, 0, frame);
                }).ToList();
                string path = System.IO.Path.Combine(project.Root, "captures", label, $"s{file}.pcap");
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, Pcap.Write(records));
            }
        }
        project.Spec($$"""
            {
              "name": "Toy",
              "data": { "format": "pcap", "train": "captures/*/*.pcap", "labelFromFolder": true,
                "filter": {{filter}} },
              "features": ["ipv4.ttl"],
              "algorithms": ["tree"],
              "platform": { "target": "bmv2" }
            }
            """);
        return project;
    }

    [Fact]
    public void A_matching_ipSrc_compiles_and_keeps_the_packets_of_that_address()
    {
        using var project = Project("{ \"ipSrc\": \"10.0.0.2\" }");
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var classes = result.Files![VectorsEmitter.ClassesFile].Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[4]).ToList();
        Assert.Equal(classes.Count / 2, classes.Count(s => s == "1"));
    }

    [Theory]
    [InlineData("{ \"ipSrc\": \"10.0.0.256\" }", "\"10.0.0.256\"")]
    [InlineData("{ \"ipSrc\": \"fe80::1%eth0\" }", "\"fe80::1%eth0\"")]
    [InlineData("{ \"ethSrc\": \"02:00:00:00:00:01\", \"ipSrc\": \"10.0.0\" }", "\"10.0.0\"")]
    public void A_bad_ipSrc_is_HMC0005_at_the_address(string filter, string at)
    {
        using var project = Project(filter);
        var d = TempProject.Single(project.Compile(), "HMC0005");
        Assert.Contains("data.filter.ipSrc", d.Message);
        Assert.Contains("IPv4", d.Message);
        Assert.Equal(project.Find("spec.hspec", at), (d.Location!.Line, d.Location.Column));
    }

    [Fact]
    public void ipSrc_and_ipSrcFile_together_are_HMC0005()
    {
        using var project = Project("{ \"ipSrc\": \"10.0.0.1\", \"ipSrcFile\": \"ip.txt\" }");
        var d = TempProject.Single(project.Compile(), "HMC0005");
        Assert.Contains("takes ipSrc or ipSrcFile, not both", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"filter\"").Line, d.Location!.Line);
    }

    [Fact]
    public void An_ipSrcFile_without_an_address_is_HMC1009_and_a_missing_one_HMC1001()
    {
        using var project = Project("{ \"ipSrcFile\": \"ip.txt\" }");
        foreach (var label in new[] { "a", "b" }) File.WriteAllText(System.IO.Path.Combine(project.Root, "captures", label, "ip.txt"), "the gateway");
        var d = TempProject.Single(project.Compile(), "HMC1009");
        Assert.Contains("IPv4 or IPv6 address (found 'the gateway')", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"captures/*/*.pcap\"").Line, d.Location!.Line);

        foreach (var label in new[] { "a", "b" }) File.Delete(System.IO.Path.Combine(project.Root, "captures", label, "ip.txt"));
        Assert.Contains(project.Compile().Diagnostics, x => x.Descriptor.Code == "HMC1001" && x.Message.Contains("ip.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ipSrc_no_packet_carries_is_HMC1015()
    {
        using var project = Project("{ \"ipSrc\": \"10.0.0.9\" }");
        var d = TempProject.Single(project.Compile(), "HMC1015");
        Assert.Contains("passes the filter", d.Message);
    }
}
