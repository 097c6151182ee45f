using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>The diagnostics of pcap programs: bad field names, unreadable captures, empty filters, targets without packet fields.</summary>
public sealed class PacketDiagnosticTests
{
    private static byte[] Udp(byte ttl, int port)
    {
        var frame = new byte[14 + 20 + 8];
        frame[6] = 0x02; frame[11] = 0x01;       // source MAC 02:00:00:00:00:01
        frame[12] = 0x08;                         // IPv4
        frame[14] = 0x45; frame[22] = ttl; frame[23] = 17;
        frame[36] = (byte)(port >> 8); frame[37] = (byte)port;
        return frame;
    }

    private static TempProject Project(string features = "[\"ipv4.ttl\", \"udp.dstPort\"]", string target = "bmv2", string filter = "")
    {
        var project = new TempProject();
        foreach (var (label, ttl, port) in new[] { ("a", (byte)64, 53), ("b", (byte)128, 123) })
        {
            for (int file = 0; file < 3; file++)
            {
                var records = Enumerable.Range(0, 20).Select(i => new Pcap.Record((uint)i, 0, Udp((byte)(ttl + i % 3), port))).ToList();
                string path = Path.Combine(project.Root, "captures", label, $"s{file}.pcap");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, Pcap.Write(records));
            }
        }
        project.Spec($$"""
            {
              "name": "Toy",
              "data": { "format": "pcap", "train": "captures/*/*.pcap", "labelFromFolder": true{{filter}} },
              "features": {{features}},
              "algorithms": ["tree"],
              "platform": { "target": "{{target}}" }
            }
            """);
        return project;
    }

    [Fact]
    public void A_pcap_program_compiles_for_bmv2_with_a_stub_ready_model()
    {
        using var project = Project();
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(new[] { "ipv4.ttl", "udp.dstPort" }, result.Model!.Features.Select(f => f.Field));
        Assert.Contains("bmv2/toy.p4", result.Outputs!.Keys);
        Assert.Contains("vectors/expected-classes.csv", result.Outputs.Keys);
        Assert.Contains("\"field\": \"ipv4.ttl\"", result.Files!["model.json"]);
    }

    [Fact]
    public void An_unknown_field_is_HMC0007_with_a_suggestion()
    {
        using var project = Project("[\"ipv4.tll\"]");
        var d = TempProject.Single(project.Compile(), "HMC0007");
        Assert.Contains("did you mean 'ipv4.ttl'", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"ipv4.tll\"").Line, d.Location!.Line);
    }

    [Fact]
    public void A_field_feature_with_csv_data_is_HMC0005()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec.Replace("\"features\": [", "\"features\": [{ \"field\": \"ipv4.ttl\" }, ")).File("train.csv", TempProject.ToyCsv(60));
        var d = TempProject.Single(project.Compile(), "HMC0005");
        Assert.Contains("pcap", d.Message);
    }

    [Fact]
    public void An_unreadable_capture_is_HMC1014()
    {
        using var project = Project();
        File.WriteAllText(Path.Combine(project.Root, "captures", "a", "s1.pcap"), "not a capture at all, just text");
        var d = TempProject.Single(project.Compile(), "HMC1014");
        Assert.Contains("s1.pcap", d.Message);
        Assert.Contains("magic", d.Message);
    }

    [Fact]
    public void A_truncated_capture_is_HMC1014()
    {
        using var project = Project();
        string path = Path.Combine(project.Root, "captures", "b", "s0.pcap");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 5).ToArray());
        var d = TempProject.Single(project.Compile(), "HMC1014");
        Assert.Contains("frame 20", d.Message);
    }

    [Fact]
    public void A_filter_that_keeps_no_packet_of_a_class_is_HMC1015()
    {
        using var project = Project(filter: ", \"filter\": { \"ethSrc\": \"02:00:00:00:00:99\" }");
        var d = TempProject.Single(project.Compile(), "HMC1015");
        Assert.Contains("label 'a'", d.Message);
    }

    [Fact]
    public void A_matching_filter_keeps_the_packets()
    {
        using var project = Project(filter: ", \"filter\": { \"ethSrc\": \"02:00:00:00:00:01\" }");
        Assert.True(project.Compile(cache: false).Success);
    }

    [Theory]
    [InlineData("taurus", "taurus/Toy.scala")]
    [InlineData("tofino", "tna/toy.p4")]
    public void Packet_fields_compile_for_taurus_and_tofino(string target, string program)
    {
        using var project = Project(target: target);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains(program, result.Outputs!.Keys);
        Assert.Equal(target, result.Model!.Platform.Target);
        Assert.NotEmpty(result.Model.Platform.Resources);
    }

    [Fact]
    public void Packet_length_on_tofino_is_HMC2008_naming_the_field()
    {
        using var project = Project("[\"ipv4.ttl\", \"packet.length\"]", target: "tofino");
        var d = TempProject.Single(project.Compile(), "HMC2008");
        Assert.Contains("'packet.length'", d.Message);
        Assert.Contains("eg_intr_md.pkt_length", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"packet.length\"").Line, d.Location!.Line);
        Assert.DoesNotContain(project.Compile().Diagnostics, x => x.Message.Contains("'ipv4.ttl'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_column_feature_in_a_pcap_program_is_reported()
    {
        using var project = Project("[{ \"name\": \"ttl\" }]");
        var d = TempProject.Single(project.Compile(), "HMC0002");
        Assert.Contains("features[].field", d.Message);
    }
}
