using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>What a gateway tests: a header's validity, or a field against a constant (never two run-time fields).</summary>
public enum TnaTest
{
    Valid,
    Equal,
    NotEqual,
}

/// <summary>One condition of a gateway row; <paramref name="Subject"/> is a header (<c>h.ipv4</c>) for <see cref="TnaTest.Valid"/>, else a field.</summary>
public sealed record TnaCondition(string Subject, TnaTest Test, ulong Constant)
{
    public static TnaCondition Valid(string header) => new(header, TnaTest.Valid, 0);

    public static TnaCondition NonZero(string field) => new(field, TnaTest.NotEqual, 0);

    public static TnaCondition Is(string field, ulong constant) => new(field, TnaTest.Equal, constant);

    public string P4 => Test switch
    {
        TnaTest.Valid => $"{Subject}.isValid()",
        TnaTest.Equal => $"{Subject} == {TnaFlowState.Constant(Constant)}",
        _ => $"{Subject} != {TnaFlowState.Constant(Constant)}",
    };

    public JObject ToJson() => Test == TnaTest.Valid
        ? new JObject { ["valid"] = Subject }
        : new JObject { ["field"] = Subject, ["test"] = Test == TnaTest.Equal ? "==" : "!=", ["value"] = Constant };
}

/// <summary>One row of a gateway chain: when every condition holds, the assignments run (and no later row is tried).</summary>
public sealed record TnaArm(IReadOnlyList<TnaCondition> When, IReadOnlyList<(string Dst, TnaOperand Src)> Assign);

/// <summary>
/// A step of the flow state (docs/flow-features.md): besides its P4 text and its entries-JSON form, it tells the stage
/// allocator what it reads, writes and costs (logical tables, stateful ALUs, SRAM of a register).
/// </summary>
public abstract record TnaFlowStep(string Unit) : TnaStep(Unit)
{
    public abstract IEnumerable<string> Reads { get; }

    public abstract IEnumerable<string> Writes { get; }

    /// <summary>The allocator's kind of the logical table ("gateway", "hash", "stateful").</summary>
    public virtual string Kind => "gateway";

    /// <summary>Logical table IDs the step takes in its stage.</summary>
    public virtual int LogicalTables => 1;

    public virtual int StatefulAlus => 0;

    public virtual long SramBlocks(TofinoResources resources) => 0;

    /// <summary>Declarations in the ingress control (externs the step uses), before the apply block.</summary>
    public virtual void Declare(CodeWriter w)
    {
    }

    public abstract void Write(CodeWriter w, IReadOnlyDictionary<string, int> widths);

    public abstract JObject ToJson();
}

/// <summary>
/// <c>if (row 1) { ... } else if (row 2) { ... } else { otherwise }</c>: a chain of gateway rows, each a conjunction of
/// conditions that compare one field with a constant or test a header's validity.
/// </summary>
public sealed record TnaBranch(string Unit, IReadOnlyList<TnaArm> Arms, IReadOnlyList<(string Dst, TnaOperand Src)> Otherwise) : TnaFlowStep(Unit)
{
    /// <summary>
    /// Rows per gateway: bf-p4c splits a longer chain into chained gateways (SplitComplexGateways takes at most four
    /// rows at a time), each a logical table of its own. An estimate: the rows a condition needs are the device's.
    /// </summary>
    public const int GatewayRows = 4;

    public override IEnumerable<string> Reads =>
        Arms.SelectMany(a => a.When.Select(c => c.Test == TnaTest.Valid ? c.Subject + ".$valid" : TnaFlowState.Base(c.Subject))
                .Concat(a.Assign.Select(x => x.Src).Where(o => !o.IsConstant).Select(o => TnaFlowState.Base(o.Field!))))
            .Concat(Otherwise.Select(x => x.Src).Where(o => !o.IsConstant).Select(o => TnaFlowState.Base(o.Field!)))
            .Distinct();

    public override IEnumerable<string> Writes => Arms.SelectMany(a => a.Assign).Concat(Otherwise).Select(x => x.Dst).Distinct();

    public override int LogicalTables => (Arms.Count + GatewayRows - 1) / GatewayRows;

    public override void Write(CodeWriter w, IReadOnlyDictionary<string, int> widths)
    {
        string Body(IReadOnlyList<(string Dst, TnaOperand Src)> assign) => "{ " + string.Concat(assign.Select(x => $"{x.Dst} = {TnaFlowState.Value(x.Src, widths[x.Dst], widths)}; ")) + "}";
        for (int i = 0; i < Arms.Count; i++)
            w.Line($"{(i == 0 ? "" : "else ")}if ({string.Join(" && ", Arms[i].When.Select(c => c.P4))}) {Body(Arms[i].Assign)}");
        if (Otherwise.Count > 0) w.Line($"else {Body(Otherwise)}");
    }

    private static JArray Assignments(IReadOnlyList<(string Dst, TnaOperand Src)> assign) =>
        new(assign.Select(x => new JObject { ["dst"] = x.Dst, ["src"] = TnaFlowState.Json(x.Src) }));

    public override JObject ToJson() => new()
    {
        ["op"] = "branch",
        ["arms"] = new JArray(Arms.Select(a => new JObject { ["when"] = new JArray(a.When.Select(c => c.ToJson())), ["assign"] = Assignments(a.Assign) })),
        ["otherwise"] = Assignments(Otherwise),
    };
}

/// <summary>
/// <c>dst = a |-| b</c> for each item (saturating unsigned subtraction: nonzero exactly when a &gt; b), in one action:
/// how two run-time fields are compared before a gateway tests the result against 0.
/// </summary>
public sealed record TnaDifferences(string Unit, IReadOnlyList<(string Dst, TnaOperand A, TnaOperand B)> Items) : TnaFlowStep(Unit)
{
    public override IEnumerable<string> Reads => Items.SelectMany(x => new[] { x.A, x.B }).Where(o => !o.IsConstant).Select(o => TnaFlowState.Base(o.Field!)).Distinct();

    public override IEnumerable<string> Writes => Items.Select(x => x.Dst);

    public override string Kind => "arithmetic";

    public override void Write(CodeWriter w, IReadOnlyDictionary<string, int> widths)
    {
        foreach (var (dst, a, b) in Items)
            w.Line($"{dst} = {TnaFlowState.Value(a, widths[dst], widths)} |-| {TnaFlowState.Value(b, widths[dst], widths)};");
    }

    public override JObject ToJson() => new()
    {
        ["op"] = "differences",
        ["items"] = new JArray(Items.Select(x => new JObject { ["dst"] = x.Dst, ["a"] = TnaFlowState.Json(x.A), ["b"] = TnaFlowState.Json(x.B) })),
    };
}

/// <summary>The key fields one <c>Hash</c> instance hashes when <paramref name="Header"/> is valid.</summary>
public sealed record TnaHashInput(string Header, string Instance, IReadOnlyList<string> Fields);

/// <summary>
/// <c>dst = hash.get({ fields })</c> with the Hash instance of the first input whose header is valid, else 0: the
/// standard CRC-32 of the fields' bytes, in list order, big-endian.
/// </summary>
public sealed record TnaHash(string Unit, string Dst, IReadOnlyList<TnaHashInput> Inputs) : TnaFlowStep(Unit)
{
    public override IEnumerable<string> Reads => Inputs.SelectMany(i => i.Fields.Prepend(i.Header + ".$valid")).Distinct();

    public override IEnumerable<string> Writes => new[] { Dst };

    public override string Kind => "hash";

    public override void Declare(CodeWriter w)
    {
        foreach (var input in Inputs)
            w.Line($"Hash<bit<32>>(HashAlgorithm_t.CRC32) {input.Instance};   // bf-p4c's CRC32: reflected 0x04C11DB7, initial and final XOR 0xFFFFFFFF");
    }

    public override void Write(CodeWriter w, IReadOnlyDictionary<string, int> widths)
    {
        for (int i = 0; i < Inputs.Count; i++)
            w.Line($"{(i == 0 ? "" : "else ")}if ({Inputs[i].Header}.isValid()) {{ {Dst} = {Inputs[i].Instance}.get({{ {string.Join(", ", Inputs[i].Fields)} }}); }}");
        w.Line($"else {{ {Dst} = {TnaFlowState.Value(TnaOperand.Const(0), widths[Dst], widths)}; }}");
    }

    public override JObject ToJson() => new()
    {
        ["op"] = "hash",
        ["dst"] = Dst,
        ["algorithm"] = "crc32",
        ["inputs"] = new JArray(Inputs.Select(i => new JObject { ["header"] = i.Header, ["instance"] = i.Instance, ["fields"] = new JArray(i.Fields) })),
    };
}

/// <summary>
/// What a register's one RegisterAction does. <see cref="Claim"/>: returns 1 when the slot holds another value than
/// the operand (the fingerprint), 0 when the same, and writes the operand. <see cref="Count"/>: the operand when the
/// slot starts afresh (<c>fresh</c> != 0), else the value plus the operand, saturating; returns the new value.
/// </summary>
public enum TnaRegisterKind
{
    Claim,
    Count,
}

/// <summary>A <c>Register&lt;bit&lt;Bits&gt;, bit&lt;IndexBits&gt;&gt;(Size, Initial)</c> and its one RegisterAction.</summary>
public sealed record TnaRegister(string Name, int Bits, int Size, int IndexBits, ulong Initial, string Action, TnaRegisterKind Kind, TnaOperand Operand, string? Fresh, int ResultBits, string Comment);

/// <summary>
/// <c>if (guard != 0) { dst = action.execute(index); } else { dst = 0; }</c>: one stateful ALU reads, updates and
/// writes one slot of one register.
/// </summary>
public sealed record TnaRegisterStep(string Unit, TnaRegister Register, string Guard, string Index, string Dst) : TnaFlowStep(Unit)
{
    public override IEnumerable<string> Reads =>
        new[] { Guard, Index, Register.Fresh, Register.Operand.Field }.OfType<string>().Select(TnaFlowState.Base).Distinct();

    public override IEnumerable<string> Writes => new[] { Dst };

    public override string Kind => "stateful";

    public override int StatefulAlus => 1;

    public override long SramBlocks(TofinoResources resources) => resources.RegisterSramBlocks(Register.Size, Register.Bits);

    public override void Declare(CodeWriter w)
    {
        var r = Register;
        string types = $"bit<{r.Bits}>, bit<{r.IndexBits}>";
        w.Line($"Register<{types}>({TnaFlowState.I(r.Size)}, {TnaFlowState.Constant(r.Initial)}) {r.Name};   // {Escaping.Comment(r.Comment)}");
        using (w.Block($"RegisterAction<{types}, bit<{r.ResultBits}>>({r.Name}) {r.Action} = {{", "};"))
        {
            using (w.Block($"void apply(inout bit<{r.Bits}> value, out bit<{r.ResultBits}> result) {{"))
            {
                string operand = r.Operand.Field ?? TnaFlowState.I((long)r.Operand.Constant);
                if (r.Kind == TnaRegisterKind.Claim)
                {
                    w.Line($"if (value == {operand}) {{ result = 0; }} else {{ result = 1; }}");
                    w.Line($"value = {operand};");
                }
                else
                {
                    w.Line($"if ({r.Fresh} != 0) {{ value = {operand}; }} else {{ value = value |+| {operand}; }}");
                    w.Line("result = value;");
                }
            }
        }
    }

    public override void Write(CodeWriter w, IReadOnlyDictionary<string, int> widths) =>
        w.Line($"if ({Guard} != 0) {{ {Dst} = {Register.Action}.execute({Index}); }} else {{ {Dst} = {TnaFlowState.Value(TnaOperand.Const(0), widths[Dst], widths)}; }}");

    public override JObject ToJson() => new()
    {
        ["op"] = "register",
        ["register"] = Register.Name,
        ["bits"] = Register.Bits,
        ["size"] = Register.Size,
        ["initial"] = Register.Initial,
        ["action"] = Register.Action,
        ["kind"] = Register.Kind == TnaRegisterKind.Claim ? "claim" : "count",
        ["operand"] = TnaFlowState.Json(Register.Operand),
        ["fresh"] = Register.Fresh,
        ["guard"] = Guard,
        ["index"] = Index,
        ["dst"] = Dst,
    };
}

/// <summary>
/// Per-flow state on Tofino (docs/flow-features.md, docs/tofino.md): the semantics of <see cref="FlowTable"/> with the
/// constructs bf-p4c accepts - a CRC-32 <c>Hash</c> over the key, one <c>Register</c> per statistic with one
/// <c>RegisterAction</c> each (one stateful ALU per register per packet), and gateways that compare one field with a
/// constant. Cross-register logic goes through metadata set in an earlier stage: the fingerprint register's action
/// returns whether the slot starts afresh, and every statistic's action reads that bit.
/// <list type="number">
/// <item>Stage 0: the key's parts into zeroed metadata (ports 0 without TCP/UDP; an IPv4 address is the last of four
/// 32-bit words, the other three 0, so one comparison chain orders IPv4 and IPv6 endpoints).</item>
/// <item>Bidirectional flows: per word, saturating differences both ways (a gateway cannot compare two fields), then a
/// chain of gateway rows picks the CRC of the key in endpoint order: the forward or the reversed key, both hashed.</item>
/// <item>Fingerprint = CRC mod (2^32-1) (only 0xFFFFFFFF changes); slot = the CRC's low bits. The fingerprint register
/// starts at 0xFFFFFFFF, which no fingerprint equals, so an empty slot differs like a slot of another flow.</item>
/// <item>Counts: <c>value |+| increment</c>, or the increment when the slot starts afresh; a packet in no flow
/// executes no register and reads 0.</item>
/// <item>The classification point: <c>m.decide</c> from <c>N |-| packets</c>; the model's tables run for every packet
/// and a last gateway writes 255 into the result when <c>m.decide</c> is 0.</item>
/// </list>
/// Not on Tofino (refused, not approximated): statistics of packet.length (a TNA ingress has no frame length),
/// timing statistics and timeouts (the clocks count nanoseconds; no divider makes microseconds), tables over 2^16 slots.
/// </summary>
public static class TnaFlowState
{
    /// <summary>The largest flow table: the register the checked TNA reference compiled (64K x 32 bit, 17 SRAM blocks of one stage).</summary>
    public const int MaxTableSize = 1 << 16;

    public const string Decide = P4FlowState.Decide;

    private const ulong NoFingerprint = 0xFFFFFFFF;

    public const string TimeReason =
        "Tofino's ingress clocks (ig_intr_md.ingress_mac_tstamp, prsr_md.global_tstamp) count nanoseconds in 48 bits, while " +
        "flow times are microseconds (docs/flow-features.md): nanoseconds become microseconds only through a division by 1000, " +
        "which Tofino's ALUs do not have, and a 48-bit time does not fit a 32-bit register; the compiler does not approximate";

    public const string LengthReason =
        "it accumulates packet.length, and " + TnaPacketParser.PacketLengthReason + "; " + Kept;

    /// <summary>What a Tofino program does keep, for the messages that refuse the rest.</summary>
    private const string Kept = "the flow fields a Tofino program keeps are flow.packets and the TCP flag counts";

    /// <summary>Null when a Tofino program can keep <paramref name="field"/>, else why not (HMC2008).</summary>
    public static string? CannotRead(FlowField field) => field.Statistic switch
    {
        FlowStatistic.Packets or FlowStatistic.TcpFlagCount => null,
        FlowStatistic.Bytes or FlowStatistic.MinLength or FlowStatistic.MaxLength or FlowStatistic.MeanLength => LengthReason,
        _ => TimeReason + "; " + Kept + ", or target bmv2",
    };

    /// <summary>The settings a Tofino flow table cannot have: (property of "flow", why not) (HMC0005).</summary>
    public static IEnumerable<(string Property, string Reason)> Problems(FlowSettings flow)
    {
        if (flow.TableSize > MaxTableSize)
            yield return ("tableSize", $"is {I(flow.TableSize)}, but a Tofino flow table has at most {I(MaxTableSize)} slots (one 32-bit register per statistic, " +
                "the size the checked TNA reference compiled: 17 SRAM blocks of one stage); larger register arrays are not generated");
        if (flow.TimeoutMicroseconds > 0)
            yield return ("timeoutSeconds", $"is {(flow.TimeoutMicroseconds / 1e6).ToString("0.######", CultureInfo.InvariantCulture)} s, but a Tofino program cannot time flows out: " + TimeReason +
                "; set \"timeoutSeconds\": 0 (a flow then ends only when another flow takes its slot) or target bmv2");
    }

    /// <summary>Null when the model's flow state has a Tofino program (its fields are checked by <see cref="TnaPacketParser.CannotParse"/>).</summary>
    public static string? CannotKeep(ModelFile model) =>
        model.Flow is { } flow && Problems(flow).FirstOrDefault() is ({ } property, { } reason) ? $"flow.{property} {reason}" : null;

    internal static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Constant(ulong value) => value > 0xFFFF ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The field a (possibly sliced) reference reads: <c>m.x[15:0]</c> reads <c>m.x</c>.</summary>
    internal static string Base(string field) => field.IndexOf('[') is int at and >= 0 ? field.Substring(0, at) : field;

    /// <summary>The width of a slice <c>x[hi:lo]</c>, else null.</summary>
    internal static int? SliceBits(string field)
    {
        int at = field.IndexOf('[');
        if (at < 0) return null;
        var bounds = field.Substring(at + 1, field.Length - at - 2).Split(':');
        return int.Parse(bounds[0], CultureInfo.InvariantCulture) - int.Parse(bounds[1], CultureInfo.InvariantCulture) + 1;
    }

    /// <summary>An operand as the right-hand side of an assignment to a <paramref name="bits"/>-bit field, zero-extended by a cast where narrower.</summary>
    internal static string Value(TnaOperand operand, int bits, IReadOnlyDictionary<string, int> widths)
    {
        if (operand.Field is not { } field) return $"{I(bits)}w{operand.Constant.ToString(CultureInfo.InvariantCulture)}";
        int width = SliceBits(field) ?? (widths.TryGetValue(field, out int w) ? w : bits);
        return width == bits ? field : $"(bit<{I(bits)}>){field}";
    }

    internal static JToken Json(TnaOperand operand) => operand.Field is { } field ? new JValue(field) : new JValue(operand.Constant);

    /// <summary>Widths of the header fields the flow steps read (for the program's field table).</summary>
    public static IEnumerable<(string Field, int Bits)> ReadFields(TnaProgram program) =>
        program.Steps.OfType<TnaBranch>()
            .SelectMany(b => b.Arms.SelectMany(a => a.Assign).Concat(b.Otherwise))
            .Select(x => x.Src.Field).OfType<string>().Where(f => f.StartsWith("h.", StringComparison.Ordinal))
            .Select(f => (f, SliceBits(f) ?? HeaderFieldBits[f])).Distinct();

    private static readonly Dictionary<string, int> HeaderFieldBits = new(StringComparer.Ordinal)
    {
        ["h.ipv4.src"] = 32,
        ["h.ipv4.dst"] = 32,
        ["h.ipv4.protocol"] = 8,
        ["h.ipv6.next_header"] = 8,
        ["h.tcp.src_port"] = 16,
        ["h.tcp.dst_port"] = 16,
        ["h.udp.src_port"] = 16,
        ["h.udp.dst_port"] = 16,
    };

    private static string Flag(FlowField f) => "m.flow_inc_" + f.Register;

    private static string Word(string side, int word) => $"m.flow_{side}{I(word)}";

    /// <summary>
    /// The lowered program with the flow state before the model's steps and the classification point's gate after
    /// them. Counts go straight into the features that read them.
    /// </summary>
    public static TnaProgram Extend(ModelFile model, TnaProgram program)
    {
        var flow = model.Flow ?? throw new ArgumentException("the model keeps no flow state", nameof(model));
        int indexBits = Math.Max(1, (int)Math.Round(Math.Log2(flow.TableSize)));
        int slotBits = (int)Math.Round(Math.Log2(flow.TableSize));
        var metadata = new List<TnaField>();
        var steps = new List<TnaStep>();
        void Meta(string name, int bits, string comment) => metadata.Add(new TnaField(name, bits, comment));

        // The key, 0 where the packet lacks the header (docs/flow-features.md, rule 1).
        Meta("m.flow_valid", 8, "flow state: 1 when the packet has IPv4 or IPv6, so it belongs to a flow");
        Meta("m.flow_sport", 16, "flow key: TCP/UDP source port, 0 without TCP/UDP");
        Meta("m.flow_dport", 16, "flow key: TCP/UDP destination port, 0 without TCP/UDP");
        Meta("m.flow_proto", 8, "flow key: IPv4 protocol or IPv6 next header");
        foreach (var side in new[] { "src", "dst" })
            for (int word = 0; word < 4; word++)
                Meta(Word(side, word), 32, $"flow key: {(side == "src" ? "source" : "destination")} address, 32-bit word {I(word)} of IPv6 (word 3 holds an IPv4 address; the others are 0 for IPv4)");
        steps.Add(new TnaBranch("flow_ports",
            new[] { "h.tcp", "h.udp" }.Select(h => new TnaArm(new[] { TnaCondition.Valid(h) }, new[] { ("m.flow_sport", TnaOperand.Of(h + ".src_port")), ("m.flow_dport", TnaOperand.Of(h + ".dst_port")) })).ToList(),
            new[] { ("m.flow_sport", TnaOperand.Const(0)), ("m.flow_dport", TnaOperand.Const(0)) }));
        var zeroWords = new[] { "src", "dst" }.SelectMany(s => Enumerable.Range(0, 4).Select(i => (Word(s, i), TnaOperand.Const(0)))).ToList();
        var v4 = new List<(string, TnaOperand)> { ("m.flow_valid", TnaOperand.Const(1)), ("m.flow_proto", TnaOperand.Of("h.ipv4.protocol")) };
        v4.AddRange(zeroWords.Where(z => !z.Item1.EndsWith('3')));
        v4.Add((Word("src", 3), TnaOperand.Of("h.ipv4.src")));
        v4.Add((Word("dst", 3), TnaOperand.Of("h.ipv4.dst")));
        var v6 = new List<(string, TnaOperand)> { ("m.flow_valid", TnaOperand.Const(1)), ("m.flow_proto", TnaOperand.Of("h.ipv6.next_header")) };
        foreach (var side in new[] { "src", "dst" })
            for (int word = 0; word < 4; word++)
                v6.Add((Word(side, word), TnaOperand.Of($"h.ipv6.{side}[{I(127 - 32 * word)}:{I(96 - 32 * word)}]")));
        steps.Add(new TnaBranch("flow_ip",
            new[] { new TnaArm(new[] { TnaCondition.Valid("h.ipv4") }, v4), new TnaArm(new[] { TnaCondition.Valid("h.ipv6") }, v6) },
            zeroWords.Prepend(("m.flow_proto", TnaOperand.Const(0))).Prepend(("m.flow_valid", TnaOperand.Const(0))).ToList()));
        var flags = FlowFields.All.Where(f => f.Statistic == FlowStatistic.TcpFlagCount && model.Features.Any(x => x.Field == f.Name)).ToList();
        if (flags.Count > 0)
        {
            foreach (var f in flags) Meta(Flag(f), 32, $"flow state: 1 when the packet is TCP with flag 0x{f.TcpFlag:X2} set");
            int Bit(FlowField f) => FlowTable.FlagBit(f.TcpFlag);
            steps.Add(new TnaBranch("flow_flags",
                new[] { new TnaArm(new[] { TnaCondition.Valid("h.tcp") }, flags.Select(f => (Flag(f), TnaOperand.Of($"h.tcp.flags[{I(Bit(f))}:{I(Bit(f))}]"))).ToList()) },
                flags.Select(f => (Flag(f), TnaOperand.Const(0))).ToList()));
        }

        // The CRC of the key in endpoint order (rule 2).
        var v4Key = new[] { Word("src", 3), Word("dst", 3), "m.flow_proto", "m.flow_sport", "m.flow_dport" };
        var v4Reversed = new[] { Word("dst", 3), Word("src", 3), "m.flow_proto", "m.flow_dport", "m.flow_sport" };
        var v6Key = Enumerable.Range(0, 4).Select(i => Word("src", i)).Concat(Enumerable.Range(0, 4).Select(i => Word("dst", i))).Concat(new[] { "m.flow_proto", "m.flow_sport", "m.flow_dport" }).ToArray();
        var v6Reversed = Enumerable.Range(0, 4).Select(i => Word("dst", i)).Concat(Enumerable.Range(0, 4).Select(i => Word("src", i))).Concat(new[] { "m.flow_proto", "m.flow_dport", "m.flow_sport" }).ToArray();
        Meta("m.flow_crc", 32, "flow state: CRC-32 of the key in endpoint order");
        if (!flow.Bidirectional)
        {
            steps.Add(new TnaHash("flow_hash", "m.flow_crc", new[] { new TnaHashInput("h.ipv4", "flow_hash4", v4Key), new TnaHashInput("h.ipv6", "flow_hash6", v6Key) }));
        }
        else
        {
            Meta("m.flow_crc_fwd", 32, "flow state: CRC-32 of the key as the packet carries it");
            Meta("m.flow_crc_rev", 32, "flow state: CRC-32 of the key with the endpoints swapped");
            var order = new List<TnaArm>();
            var differences = new List<(string, TnaOperand, TnaOperand)>();
            for (int word = 0; word < 4; word++)
            {
                string gt = $"m.flow_gt{I(word)}", lt = $"m.flow_lt{I(word)}";
                Meta(gt, 32, $"flow state: source word {I(word)} |-| destination word {I(word)} (nonzero: the source is larger)");
                Meta(lt, 32, $"flow state: destination word {I(word)} |-| source word {I(word)} (nonzero: the source is smaller)");
                differences.Add((gt, TnaOperand.Of(Word("src", word)), TnaOperand.Of(Word("dst", word))));
                differences.Add((lt, TnaOperand.Of(Word("dst", word)), TnaOperand.Of(Word("src", word))));
                order.Add(new TnaArm(new[] { TnaCondition.NonZero(gt) }, new[] { ("m.flow_crc", TnaOperand.Of("m.flow_crc_rev")) }));
                order.Add(new TnaArm(new[] { TnaCondition.NonZero(lt) }, new[] { ("m.flow_crc", TnaOperand.Of("m.flow_crc_fwd")) }));
            }
            Meta("m.flow_pgt", 16, "flow state: source port |-| destination port (nonzero: the source port is larger)");
            differences.Add(("m.flow_pgt", TnaOperand.Of("m.flow_sport"), TnaOperand.Of("m.flow_dport")));
            steps.Add(new TnaDifferences("flow_order", differences));
            order.Add(new TnaArm(new[] { TnaCondition.NonZero("m.flow_pgt") }, new[] { ("m.flow_crc", TnaOperand.Of("m.flow_crc_rev")) }));
            steps.Add(new TnaHash("flow_hash_fwd", "m.flow_crc_fwd", new[] { new TnaHashInput("h.ipv4", "flow_hash4_fwd", v4Key), new TnaHashInput("h.ipv6", "flow_hash6_fwd", v6Key) }));
            steps.Add(new TnaHash("flow_hash_rev", "m.flow_crc_rev", new[] { new TnaHashInput("h.ipv4", "flow_hash4_rev", v4Reversed), new TnaHashInput("h.ipv6", "flow_hash6_rev", v6Reversed) }));
            // The larger endpoint (address word by word, then port) goes second: the first differing part decides.
            steps.Add(new TnaBranch("flow_direction", order, new[] { ("m.flow_crc", TnaOperand.Of("m.flow_crc_fwd")) }));
        }

        // Fingerprint and slot (rule 2), then whether the slot starts afresh (rule 3; no timeout on Tofino).
        Meta("m.flow_fp", 32, "flow state: fingerprint, CRC-32 mod (2^32-1)");
        Meta("m.flow_idx", indexBits, $"flow state: slot, CRC-32 mod {I(flow.TableSize)}");
        var slot = slotBits == 0 ? TnaOperand.Const(0) : TnaOperand.Of($"m.flow_crc[{I(slotBits - 1)}:0]");
        steps.Add(new TnaBranch("flow_slot",
            new[] { new TnaArm(new[] { TnaCondition.Is("m.flow_crc", NoFingerprint) }, new[] { ("m.flow_fp", TnaOperand.Const(0)), ("m.flow_idx", slot) }) },
            new[] { ("m.flow_fp", TnaOperand.Of("m.flow_crc")), ("m.flow_idx", slot) }));
        Meta("m.flow_fresh", 8, "flow state: 1 when the packet starts its slot afresh (an empty slot, or another flow's: the newer flow wins)");
        TnaRegister Reg(string name, ulong initial, string action, TnaRegisterKind kind, TnaOperand operand, int resultBits, string comment) =>
            new(name, 32, flow.TableSize, indexBits, initial, action, kind, operand, kind == TnaRegisterKind.Count ? "m.flow_fresh" : null, resultBits, comment);
        steps.Add(new TnaRegisterStep("flow_fp", Reg("flow_fp", NoFingerprint, "flow_fp_claim", TnaRegisterKind.Claim, TnaOperand.Of("m.flow_fp"), 8,
            "fingerprint of the flow in the slot; 0xFFFFFFFF (no fingerprint equals it): empty"), "m.flow_valid", "m.flow_idx", "m.flow_fresh"));

        // The counts, into the features that read them (a packet in no flow reads 0).
        var copies = new List<TnaStep>();
        string? Count(string register, TnaOperand increment, string comment, FlowField? field, string fallback)
        {
            var readers = model.Features.Where(f => field != null && f.Field == field.Name).Select(P4FeatureTransport.FieldRef).ToList();
            if (readers.Count == 0 && fallback.Length == 0) return null;
            string dst = readers.Count > 0 ? readers[0] : fallback;
            if (readers.Count == 0) Meta(dst, 32, $"flow state: {comment}");
            steps.Add(new TnaRegisterStep("flow_" + register, Reg("flow_" + register, 0, $"flow_{register}_count", TnaRegisterKind.Count, increment, 32, comment), "m.flow_valid", "m.flow_idx", dst));
            copies.AddRange(readers.Skip(1).Select(r => new TnaSet("copy_" + r.Substring(2), r, TnaOperand.Of(dst))));
            return dst;
        }
        var packetsField = FlowFields.Find("flow.packets")!;
        string? packets = Count("packets", TnaOperand.Const(1), "packets of the flow, this one included (saturating)", packetsField,
            flow.ClassifyAt > 1 ? "m.flow_packets" : "");
        foreach (var f in flags) Count(f.Register, TnaOperand.Of(Flag(f)), $"packets with TCP flag 0x{f.TcpFlag:X2} set (saturating)", f, "");
        steps.AddRange(copies);

        // The classification point: the model runs for every packet; its class stands only from packet N on.
        var gate = new List<TnaStep>();
        if (flow.ClassifyAt > 1)
        {
            Meta("m.flow_wait", 32, $"flow state: {I(flow.ClassifyAt)} |-| packets (0 from the flow's packet {I(flow.ClassifyAt)} on)");
            Meta(Decide, 8, "1 when the model decides for this packet (from the flow's classification point on)");
            steps.Add(new TnaDifferences("flow_wait", new[] { ("m.flow_wait", TnaOperand.Const((ulong)flow.ClassifyAt), TnaOperand.Of(packets!)) }));
            steps.Add(new TnaBranch("flow_decide", new[] { new TnaArm(new[] { TnaCondition.NonZero("m.flow_wait") }, new[] { (Decide, TnaOperand.Const(0)) }) },
                new[] { (Decide, TnaOperand.Const(1)) }));
            gate.Add(new TnaBranch("flow_gate",
                new[] { new TnaArm(new[] { TnaCondition.Is(Decide, 0) }, P4FeatureTransport.ResultRefs(model).Select(r => (r, TnaOperand.Const(P4FlowState.NoDecision))).ToList()) },
                new List<(string, TnaOperand)>()));
        }

        var notes = program.Notes.Append(
            $"flow state (docs/flow-features.md): {I(flow.TableSize)} slots indexed by the low bits of a CRC-32 of the {(flow.Bidirectional ? "bidirectional" : "directional")} 5-tuple " +
            "(Hash, CRC32), one Register with one RegisterAction per statistic; the fingerprint register's action says whether the slot starts afresh, " +
            "and every count reads that bit; no timeout").ToList();
        if (flow.ClassifyAt > 1)
            notes.Add($"the model's tables run for every packet; a last gateway writes {I(P4FlowState.NoDecision)} into the result before the flow's packet {I(flow.ClassifyAt)} (m.decide == 0)");
        return program with
        {
            Notes = notes,
            Metadata = metadata.Concat(program.Metadata).ToList(),
            Steps = steps.Concat(program.Steps).Concat(gate).ToList(),
        };
    }
}
