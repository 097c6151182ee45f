using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>Two-model schedules (docs/schedule.md) on the sample data, compiled once per target and shared by the tests.</summary>
public static class ScheduleSpecs
{
    private static string Nsl => Path.Combine(Repository.Root, "templates", "content", "homunculus", "data").Replace('\\', '/');

    private static string Captures => Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/');

    private static readonly string[] NslColumns =
    {
        "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land", "wrong_fragment", "urgent", "hot",
        "num_failed_logins", "logged_in", "num_compromised", "root_shell", "su_attempted", "num_root", "num_file_creations",
        "num_shells", "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count", "srv_count",
        "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate", "same_srv_rate", "diff_srv_rate",
        "srv_diff_host_rate", "dst_host_count", "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
        "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate", "dst_host_srv_serror_rate",
        "dst_host_rerror_rate", "dst_host_srv_rerror_rate", "label", "difficulty",
    };

    /// <summary>
    /// NSL-KDD on the feature header: "detect" (normal or attack) and, in parallel, "flood" (neptune or not, on two
    /// counters); "kind" runs after "detect" only for attacks and tells DoS from probes from the rest.
    /// </summary>
    /// <param name="more">More model entries (each with a leading comma).</param>
    public static string FeatureHeader(string target, string algorithms = "[\"tree\"]", string more = "") => $$"""
        {
          "name": "Nsl Guard",
          "data": {
            "train": "{{Nsl}}/train.csv",
            "test": "{{Nsl}}/test.csv",
            "hasHeader": false,
            "columns": [{{string.Join(", ", NslColumns.Select(c => $"\"{c}\""))}}],
            "label": "label",
            "classes": { "normal": ["normal"], "attack": "*" }
          },
          "features": ["duration", { "name": "protocol_type", "type": "categorical" }, { "name": "service", "type": "categorical" },
                       "src_bytes", "dst_bytes", "count", "srv_count", "same_srv_rate", "dst_host_count"],
          "algorithms": {{algorithms}},
          "model": { "tree": { "depth": 6, "maxLeaves": 24 }, "forest": { "trees": 3, "depth": 4 } },
          "platform": { "target": "{{target}}" },
          "models": [
            { "name": "detect" },
            { "name": "flood", "features": ["count", "srv_count", "same_srv_rate"], "classes": { "neptune": ["neptune"], "other": "*" } },
            { "name": "kind", "after": "detect", "when": ["attack"],
              "classes": { "dos": ["neptune", "smurf", "back", "teardrop", "pod", "land"], "probe": ["satan", "ipsweep", "portsweep", "nmap"], "rest": "*" } }{{more}}
          ],
          "seed": 5
        }
        """;

    /// <summary>A model after "kind" that reads its class: "severe" (neptune and smurf) or not.</summary>
    public const string Severity = """
        ,
            { "name": "severity", "after": "kind", "input": true, "features": ["count", "src_bytes"], "classes": { "severe": ["neptune", "smurf"], "mild": "*" } }
        """;

    /// <summary>
    /// The sample schedule on the IoT Sentinel captures (samples/DeviceClassification/schedule.hspec), for a target.
    /// On tofino the models are chosen on a per-packet validation split: the "hub" tree chosen on whole captures reads
    /// all eight fields, 16 PHV bits more than the one chosen per packet and just over its third of the budget (1368 of
    /// 1365 bits), and these tests are about the composed program, not the sample's budget.
    /// </summary>
    public static string Packets(string target) =>
        File.ReadAllText(Path.Combine(PacketFieldTests.SampleFolder, "schedule.hspec"))
            .Replace("\"data/", $"\"{Captures}/", StringComparison.Ordinal)
            .Replace("\"labelFromFolder\": true,", target == "tofino" ? "\"labelFromFolder\": true, \"validationBy\": \"packet\"," : "\"labelFromFolder\": true,", StringComparison.Ordinal)
            .Replace("\"target\": \"bmv2\"", $"\"target\": \"{target}\"", StringComparison.Ordinal);

    /// <summary>The sample schedule with two flow features, decisions from each flow's second packet on (bmv2).</summary>
    public static string Flows() =>
        Packets("bmv2")
            .Replace("\"udp.srcPort\"]", "\"udp.srcPort\", \"flow.packets\", \"flow.meanLength\"]", StringComparison.Ordinal)
            .Replace("\"platform\": {", "\"flow\": { \"classifyAt\": 2, \"bidirectional\": true },\n  \"platform\": {", StringComparison.Ordinal);

    /// <summary>The encoded test rows of a spec, in .hspec feature order, as the compiler reads them.</summary>
    public static IReadOnlyList<long[]> TestRows(string specText)
    {
        var bag = new Homunculus.Compiler.Diagnostics.DiagnosticBag();
        var spec = Homunculus.Compiler.Spec.HSpecParser.Parse("/x/spec.hspec", specText, bag)!;
        spec = spec with { Data = spec.Data with { Classes = null } };
        var data = Homunculus.Compiler.Data.DataLoader.Load(spec, Homunculus.Compiler.Data.DataLoader.ReadFiles(spec, bag)!, bag)!;
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return Enumerable.Range(0, data.Test.Rows).Select(data.Test.Row).ToList();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ModelFile> Compiled = new();

    /// <summary>The compiled model file of a spec text (compiled once per test run).</summary>
    public static ModelFile Compile(string specText) => Compiled.GetOrAdd(specText, text =>
    {
        using var project = new TempProject();
        project.Spec(text);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Model!;
    });
}
