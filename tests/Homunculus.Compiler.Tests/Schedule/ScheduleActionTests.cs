using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Tests.Actions;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>
/// Per-class actions of several models (docs/schedule.md): each model's own actions in its entry, combined for one
/// packet as <see cref="ClassActions.Fate(ModelFile, IReadOnlyList{int}, int)"/> says; the BMv2 program, executed on
/// every sample test packet, does what the reference says, and the Tofino program carries the same chains.
/// </summary>
public sealed class ScheduleActionTests
{
    private const int IngressPort = 2;

    /// <summary>
    /// Every kind of action, with packets two models act on: a plug gets port 7 from "hub", then port 5, a DSCP or a
    /// drop from "plug"; "camera" rewrites the DSCP of everything it does not call a camera, and digests compete.
    /// </summary>
    public static string Spec() => ScheduleSpecs.Packets("bmv2")
        .Replace("\"other\": \"*\" } },\n    { \"name\": \"camera\"",
            "\"other\": \"*\" },\n      \"actions\": { \"gateway\": \"cpu\", \"plug\": { \"port\": 7 }, \"other\": \"digest\" } },\n    { \"name\": \"camera\"", StringComparison.Ordinal)
        .Replace("\"classes\": { \"camera\": [\"D-LinkDayCam\"], \"other\": \"*\" } }",
            "\"classes\": { \"camera\": [\"D-LinkDayCam\"], \"other\": \"*\" },\n      \"actions\": { \"camera\": \"digest\", \"other\": " + "{ \"dscp\": 46 }" + " } }", StringComparison.Ordinal)
        .Replace("\"tplink\": [\"TP-LinkPlugHS110\"] } }",
            "\"tplink\": [\"TP-LinkPlugHS110\"] },\n      \"actions\": { \"tplink\": \"drop\", \"edimax\": { \"port\": 5 }, \"homematic\": " + "{ \"dscp\": 10 }" + " } }", StringComparison.Ordinal);

    [Fact]
    public void Each_model_carries_its_own_actions_in_the_model_file()
    {
        string spec = Spec();
        Assert.Equal(3, spec.Split("\"actions\"").Length - 1);
        var model = ScheduleSpecs.Compile(spec);
        var schedule = Schedules.Of(model)!;
        Assert.Equal(new ClassAction { Kind = ClassActionKind.Port, Value = 7 }, schedule.Models[0].Classes.Single(c => c.Name == "plug").Action);
        Assert.Equal(new ClassAction { Kind = ClassActionKind.Dscp, Value = 46 }, schedule.Models[1].Classes.Single(c => c.Name == "other").Action);
        Assert.Equal(ClassActionKind.Drop, schedule.Models[2].Classes.Single(c => c.Name == "tplink").Action!.Kind);
        // Actions do not change training: the models are those of the schedule without actions.
        var plain = Schedules.Of(ScheduleSpecs.Compile(ScheduleSpecs.Packets("bmv2")))!;
        for (int m = 0; m < plain.Models.Count; m++) Assert.Equal(plain.Models[m].Model, schedule.Models[m].Model);
    }

    [Fact]
    public void Fate_combines_the_models_that_ran_in_schedule_order()
    {
        var model = ScheduleSpecs.Compile(Spec());
        // hub: plug (port 7); camera: other (dscp 46); plug: edimax (port 5).
        var fate = ClassActions.Fate(model, new[] { 1, 1, 0 }, IngressPort);
        Assert.Equal((false, 5, -1, false, 46), (fate.Dropped, fate.EgressPort, fate.CloneSession, fate.Digest, fate.Dscp));
        // hub: other (digest); camera: camera (digest): one digest, the later model's; plug did not run.
        fate = ClassActions.Fate(model, new[] { 2, 0, ReferenceInterpreter.NotRun }, IngressPort);
        Assert.Equal((false, IngressPort, true, 1), (fate.Dropped, fate.EgressPort, fate.Digest, fate.DigestModel));
        // A drop wins over the port set before it; the DSCP of the later model wins.
        fate = ClassActions.Fate(model, new[] { 1, 1, 2 }, IngressPort);
        Assert.True(fate.Dropped);
        Assert.Equal(46, fate.Dscp);
        Assert.Equal(10, ClassActions.Fate(model, new[] { 1, 1, 1 }, IngressPort).Dscp);
        Assert.Equal(100, ClassActions.Fate(model, new[] { 0, 0, ReferenceInterpreter.NotRun }, IngressPort).CloneSession);
    }

    [Fact]
    public void BMv2_program_acts_on_every_sample_test_packet_as_the_reference_says()
    {
        var model = ScheduleSpecs.Compile(Spec());
        string program = ScheduleBmv2Tests.Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program) { IngressPort = IngressPort };
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var results = P4FeatureTransport.ResultRefs(model);
        int packets = 0, dropped = 0, port5 = 0, port7 = 0, dscp10 = 0, clones = 0, cameraDigests = 0, checksums = 0;
        foreach (var (_, frame) in PacketFieldTests.SampleTestPackets())
        {
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length);
            var encoded = PacketFieldExtractor.Extract(fields, frame).Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            var decision = ReferenceInterpreter.Decide(model, encoded);
            for (int m = 0; m < results.Count; m++) Assert.Equal(ScheduleBmv2Tests.Result(decision[m]), env[results[m]]);

            var fate = ClassActions.Fate(model, decision, IngressPort);
            string where = $"packet {packets}, decision {string.Join(",", decision)}";
            Assert.True(fate.Dropped == ingress.Dropped, where);
            if (!fate.Dropped) Assert.True(fate.EgressPort == ingress.EgressSpec, $"{where}: egress {ingress.EgressSpec}, reference {fate.EgressPort}");
            Assert.Equal(fate.CloneSession < 0 ? Array.Empty<(string, long)>() : new[] { ("CloneType.I2E", (long)fate.CloneSession) }, ingress.Clones.ToArray());
            if (fate.Digest)
            {
                var digest = Assert.Single(ingress.Digests);
                long source = Convert.ToInt64(Convert.ToHexString(frame, 6, 6), 16);
                Assert.Equal(new long[] { fate.DigestModel, decision[fate.DigestModel], IngressPort, source }, digest.Values);
                if (fate.DigestModel == 1) cameraDigests++;
            }
            else Assert.Empty(ingress.Digests);

            var expected = (byte[])frame.Clone();
            if (fate.Dscp >= 0) ClassActions.RewriteDscp(expected, 0, expected.Length, fate.Dscp);
            var output = ActionEmitterTests.Deparse(program, env, valid, frame);
            Assert.True(expected.AsSpan().SequenceEqual(output), $"{where}: expected {Convert.ToHexString(expected)}, the switch sends {Convert.ToHexString(output)}");
            var layout = PacketFieldExtractor.Parse(frame);
            if (fate.Dscp >= 0 && layout.Ipv4 >= 0 && ClassActions.Ipv4HeaderSum(frame, layout.Ipv4) == 0xFFFF)
            {
                Assert.Equal(0xFFFF, ClassActions.Ipv4HeaderSum(output, layout.Ipv4));
                checksums++;
            }
            if (fate.Dropped) dropped++;
            else if (fate.EgressPort == 5) port5++;
            else if (fate.EgressPort == 7) port7++;
            if (fate.Dscp == 10) dscp10++;
            if (fate.CloneSession >= 0) clones++;
            packets++;
        }
        Assert.True(packets > 1000 && dropped > 0 && port5 > 0 && port7 > 0 && dscp10 > 0 && clones > 0 && cameraDigests > 0 && checksums > 100,
            $"{packets} packets: {dropped} dropped, {port5} out of port 5, {port7} out of port 7, {dscp10} with DSCP 10, {clones} copies, {cameraDigests} camera digests, {checksums} checksums verified");
    }

    [Fact]
    public void Tofino_program_carries_each_models_actions_once_per_kind()
    {
        // The bmv2 schedule's model file, with the actions a Tofino program carries instead of its DSCP rewrites.
        var bmv2 = ScheduleSpecs.Compile(Spec());
        var schedule = Schedules.Of(bmv2)!;
        var cpu = new ClassAction { Kind = ClassActionKind.Cpu, Value = ClassAction.DefaultCpuSession };
        var models = schedule.Models.Select(m => m with
        {
            Classes = m.Classes.Select(c => c.Action?.Kind == ClassActionKind.Dscp ? c with { Action = c.Name == "homematic" ? cpu : null } : c).ToEquatableArray(),
        }).ToEquatableArray();
        var model = bmv2 with { Model = schedule with { Models = models } };
        Assert.True(new TnaEmitter().Supports(model));
        Assert.False(new TnaEmitter().Supports(bmv2));
        var files = new TnaEmitter().Emit(model);
        string p4 = files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        string code = P4Text.StripLineComments(p4);
        Assert.True(P4Text.Balanced(code, '{', '}'));
        Assert.Contains("tm_md.ucast_egress_port = 7;", code);
        Assert.Contains("tm_md.ucast_egress_port = 5;", code);
        // The copy, the digest and the drop are written once each, the later model's first.
        Assert.Equal(1, Count(code, "dprsr_md.drop_ctl = 1;"));
        Assert.Equal(2, Count(code, "tm_md.copy_to_cpu = 1;"));
        Assert.Contains("if (m.result_plug == 1) {", code);
        Assert.Contains("} else if (m.result_hub == 0) {", code);
        Assert.Contains("if (m.result_camera == 0) {", code);
        Assert.Contains("} else if (m.result_hub == 2) {", code);
        Assert.Contains($"{TnaActions.DigestModelField} = 1;", code);
        Assert.Contains($"{TnaActions.DigestClassField} = m.result_camera;", code);
        Assert.Contains($"class_digest.pack({{ {TnaActions.DigestModelField}, {TnaActions.DigestClassField}, {TnaActions.PortField}, h.eth.src }});", code);
        Assert.Contains("struct class_digest_t { bit<8> model_index; bit<8> class_index; bit<9> ingress_port; bit<48> eth_src; }", code);
        Assert.True(code.IndexOf("tm_md.ucast_egress_port = 7;", StringComparison.Ordinal) < code.IndexOf("tm_md.ucast_egress_port = 5;", StringComparison.Ordinal));
        Assert.True(code.IndexOf("tm_md.ucast_egress_port = 5;", StringComparison.Ordinal) < code.IndexOf("dprsr_md.drop_ctl = 1;", StringComparison.Ordinal));
        Assert.Contains("act_digest_model", P4Text.Fields(code, "struct ig_meta_t {").Keys);
    }

    /// <summary>Feature-header vectors: expected.pcap holds exactly the frames the BMv2 program sends back on port 0.</summary>
    [Fact]
    public void Feature_header_vectors_hold_the_frames_the_program_sends_back()
    {
        string spec = ScheduleSpecs.FeatureHeader("bmv2")
            .Replace("{ \"name\": \"detect\" }", "{ \"name\": \"detect\", \"actions\": { \"attack\": \"cpu\" } }", StringComparison.Ordinal)
            .Replace("\"rest\": \"*\" }", "\"rest\": \"*\" }, \"actions\": { \"dos\": \"drop\", \"probe\": { \"port\": 4 } }", StringComparison.Ordinal);
        using var project = new TempProject();
        project.Spec(spec);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var model = result.Model!;
        byte[] inputFile = result.Outputs!["vectors/input.pcap"], expectedFile = result.Outputs["vectors/expected.pcap"];
        var input = PcapReader.TryRead(inputFile, out _)!.ToList();
        var expected = PcapReader.TryRead(expectedFile, out _)!.ToList();
        string program = ScheduleBmv2Tests.Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program) { IngressPort = 0 };
        var sent = new List<byte[]>();
        int dropped = 0, elsewhere = 0;
        foreach (var record in input)
        {
            var frame = inputFile.AsSpan(record.Offset, record.CapturedLength).ToArray();
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length);
            if (ingress.Dropped) dropped++;
            else if (ingress.EgressSpec != 0) elsewhere++;
            else sent.Add(ActionEmitterTests.Deparse(program, env, valid, frame));
        }
        Assert.True(dropped > 0 && elsewhere > 0 && sent.Count > 0, $"{dropped} dropped, {elsewhere} elsewhere, {sent.Count} back");
        Assert.Equal(sent.Count, expected.Count);
        for (int n = 0; n < sent.Count; n++)
            Assert.Equal(Convert.ToHexString(expectedFile, expected[n].Offset, expected[n].CapturedLength), Convert.ToHexString(sent[n]));
        Assert.Contains($"holds the {sent.Count} of the {input.Count} packets that do", result.Files!["vectors/README.md"]);
    }

    private static int Count(string text, string needle) => text.Split(needle).Length - 1;

    private const string Head = """
        {
          "name": "Toy",
          "data": { "train": "train.csv", "label": "label", "classes": { "small": ["small"], "big": "*" } },
          "features": ["a", "b", "rate", { "name": "proto", "type": "categorical" }],
          "algorithms": ["tree"],
          "platform": { "target": "TARGET" },
          "models": MODELS
        }
        """;

    private static Homunculus.Compiler.Diagnostics.Diagnostic Fails(string models, string code, string at, string target = "bmv2")
    {
        using var project = new TempProject();
        project.File("train.csv", TempProject.ToyCsv()).Spec(Head.Replace("TARGET", target, StringComparison.Ordinal).Replace("MODELS", models, StringComparison.Ordinal));
        var d = TempProject.Single(project.Compile(cache: false), code);
        var (line, column) = project.Find("spec.hspec", at);
        Assert.True((line, column) == (d.Location!.Line, d.Location.Column), $"{d}: expected at {line},{column} ('{at}')");
        return d;
    }

    [Fact]
    public void A_models_action_on_a_class_it_does_not_have_is_HMC0030()
    {
        var d = Fails("""[{ "name": "one" }, { "name": "two", "classes": { "tiny": ["small"], "rest": "*" }, "actions": { "big": "drop" } }]""", "HMC0030", "\"big\": \"drop\"");
        Assert.Contains("tiny, rest", d.Message);
    }

    [Fact]
    public void An_unknown_action_of_a_model_is_HMC0031()
    {
        Fails("""[{ "name": "one", "actions": { "big": "toss" } }]""", "HMC0031", "\"toss\"");
    }

    [Fact]
    public void Actions_a_target_cannot_carry_out_are_HMC2030()
    {
        Fails("""[{ "name": "one", "actions": { "big": { "dscp": 46 } } }]""", "HMC2030", "{ \"dscp\"");
        Fails("""[{ "name": "one", "actions": { "big": "drop" } }]""", "HMC2030", "\"drop\"", "taurus");
    }

    [Fact]
    public void A_models_port_out_of_range_is_HMC0005()
    {
        Fails("""[{ "name": "one", "actions": { "big": { "port": 512 } } }]""", "HMC0005", "512");
    }
}
