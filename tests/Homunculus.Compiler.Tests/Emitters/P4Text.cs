using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>Small text utilities over emitted P4 (and Scala) programs, for structural checks.</summary>
internal static class P4Text
{
    /// <summary>The program with every // comment removed (the emitters write no block comments).</summary>
    public static string StripLineComments(string program) =>
        string.Join("\n", program.Split('\n').Select(CodePart));

    /// <summary>The part of a line before its // comment.</summary>
    public static string CodePart(string line)
    {
        // Outside string literals only (Scala paths contain no "//"; P4 has no strings besides includes).
        bool inString = false;
        for (int i = 0; i < line.Length - 1; i++)
        {
            if (line[i] == '"') inString = !inString;
            if (!inString && line[i] == '/' && line[i + 1] == '/') return line.Substring(0, i);
        }
        return line;
    }

    /// <summary>The text between the '{' that ends <paramref name="opening"/> and its matching '}'.</summary>
    public static string Block(string code, string opening)
    {
        int start = code.IndexOf(opening, StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException($"'{opening}' not found");
        int open = code.IndexOf('{', start + opening.Length - 1);
        int depth = 0;
        for (int i = open; i < code.Length; i++)
        {
            if (code[i] == '{') depth++;
            else if (code[i] == '}' && --depth == 0) return code.Substring(open + 1, i - open - 1);
        }
        throw new InvalidOperationException($"unbalanced block after '{opening}'");
    }

    /// <summary>Field name -> (width, signed) of a header or struct declaration.</summary>
    public static Dictionary<string, (int Width, bool Signed)> Fields(string code, string declaration)
    {
        var result = new Dictionary<string, (int, bool)>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(Block(code, declaration), @"\b(bit|int)<(\d+)>\s+(\w+)\s*;"))
        {
            result.Add(match.Groups[3].Value, (int.Parse(match.Groups[2].Value), match.Groups[1].Value == "int"));
        }
        return result;
    }

    public static bool Balanced(string code, char open, char close)
    {
        int depth = 0;
        foreach (char c in code)
        {
            if (c == open) depth++;
            else if (c == close && --depth < 0) return false;
        }
        return depth == 0;
    }

    /// <summary>Words of code (identifiers, keywords, numbers).</summary>
    public static IEnumerable<string> Words(string code) =>
        Regex.Matches(code, @"[A-Za-z0-9_]+").Select(m => m.Value);
}

/// <summary>
/// Executes the ingress control of an emitted BMv2 program for one feature packet: the subset of P4 the
/// emitter writes (assignments, if/else chains, casts, + * &gt;&gt; &amp; |, comparisons, exact-match
/// tables with const entries). Independent of the emitter's code, so a wrong lowering shows up as a
/// different class than the reference interpreter's.
/// </summary>
internal sealed partial class P4IngressEvaluator
{
    private readonly Dictionary<string, (int Width, bool Signed)> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<string> Params, List<string> Body)> _actions = new(StringComparer.Ordinal);
    private readonly List<string> _apply;
    private Dictionary<string, long> _env = new(StringComparer.Ordinal);
    private IReadOnlySet<string>? _valid;
    private long _packetLength;
    private long _timestamp;
    private Dictionary<string, UInt128> _wide = new(StringComparer.Ordinal);
    /// <summary>Register arrays (<c>register&lt;bit&lt;W&gt;&gt;(N) name;</c>): kept across runs, as the switch keeps them across packets.</summary>
    private readonly Dictionary<string, (int Width, long Size, Dictionary<long, UInt128> Cells)> _registers = new(StringComparer.Ordinal);
    private List<string> _tokens = new();
    private int _pos;

    private sealed record Table(string Key, Dictionary<long, (string Action, List<long> Args)> Entries);

    public P4IngressEvaluator(string program)
    {
        string code = P4Text.StripLineComments(program);
        // Every header instance's fields (h.<instance>.<field>), from the header types and the headers struct.
        var headerTypes = Regex.Matches(code, @"header\s+(\w+)\s*\{").Select(m => m.Groups[1].Value).ToList();
        foreach (Match member in Regex.Matches(P4Text.Block(code, "struct headers_t {"), @"(\w+)\s+(\w+)\s*;"))
        {
            if (!headerTypes.Contains(member.Groups[1].Value)) continue;
            foreach (var (name, t) in P4Text.Fields(code, $"header {member.Groups[1].Value} {{")) _types[$"h.{member.Groups[2].Value}.{name}"] = t;
        }
        foreach (var (name, t) in P4Text.Fields(code, "struct meta_t {")) _types["m." + name] = t;
        string ingress = P4Text.Block(code, "control IngressImpl(");
        foreach (Match r in Regex.Matches(ingress, @"register<bit<(\d+)>>\((\d+)\)\s+(\w+)\s*;"))
            _registers[r.Groups[3].Value] = (int.Parse(r.Groups[1].Value), long.Parse(r.Groups[2].Value), new Dictionary<long, UInt128>());
        foreach (Match a in Regex.Matches(ingress, @"action\s+(\w+)\(([^)]*)\)\s*\{([^}]*)\}"))
        {
            var ps = a.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Trim().Split(' ').Last()).ToList();
            foreach (var p in a.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var m = Regex.Match(p.Trim(), @"^(bit|int)<(\d+)>\s+(\w+)$");
                _types["param." + m.Groups[3].Value] = (int.Parse(m.Groups[2].Value), m.Groups[1].Value == "int");
            }
            _actions[a.Groups[1].Value] = (ps, Tokenize(a.Groups[3].Value));
        }
        foreach (Match t in Regex.Matches(ingress, @"table\s+(\w+)\s*\{"))
        {
            string body = P4Text.Block(ingress, t.Value);
            string key = Regex.Match(body, @"key\s*=\s*\{\s*([\w.]+)\s*:\s*exact\s*;\s*\}").Groups[1].Value;
            var entries = new Dictionary<long, (string, List<long>)>();
            foreach (Match e in Regex.Matches(body, @"(\d+)\s*:\s*(\w+)\(([^)]*)\)\s*;"))
            {
                var args = e.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Number(s.Trim())).ToList();
                entries.Add(long.Parse(e.Groups[1].Value), (e.Groups[2].Value, args));
            }
            _tables[t.Groups[1].Value] = new Table(key, entries);
        }
        _apply = Tokenize(P4Text.Block(ingress.Substring(ingress.LastIndexOf("apply {", StringComparison.Ordinal)), "apply {"));
    }

    /// <summary>
    /// Runs the ingress for one parsed packet (<see cref="P4ParserEvaluator"/>): header values by full name
    /// (h.ipv4.ttl), the valid header instances and the packet length; returns every value afterwards.
    /// </summary>
    /// <summary>Every register cell back to 0 (a switch just started).</summary>
    public void ResetRegisters()
    {
        foreach (var r in _registers.Values) r.Cells.Clear();
    }

    /// <summary>
    /// Runs the ingress for one parsed packet that arrives at <paramref name="timestamp"/> (microseconds, read as
    /// <c>sm.ingress_global_timestamp</c>), with the header fields wider than 64 bits whole; registers persist.
    /// </summary>
    public Dictionary<string, long> Run(IReadOnlyDictionary<string, long> headerValues, IReadOnlyDictionary<string, UInt128> wideValues, IReadOnlySet<string> valid, long packetLength, long timestamp, long? ingressPort = null)
    {
        _timestamp = timestamp;
        var env = Run(headerValues, valid, packetLength, wideValues, ingressPort);
        _timestamp = 0;
        return env;
    }

    /// <summary>The value of a field wider than 64 bits after the last run.</summary>
    public UInt128 WideValue(string name) => _wide.TryGetValue(name, out var v) ? v : 0;

    /// <param name="ingressPort">The port the packet arrives on (<c>sm.ingress_port</c>); null: <see cref="IngressPort"/> as set.</param>
    public Dictionary<string, long> Run(IReadOnlyDictionary<string, long> headerValues, IReadOnlySet<string> valid, long packetLength, IReadOnlyDictionary<string, UInt128>? wideValues = null, long? ingressPort = null)
    {
        if (ingressPort is long port) IngressPort = port;
        _wide = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        if (wideValues != null)
            foreach (var kv in wideValues) _wide[kv.Key] = kv.Value;
        _env = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in _types.Where(t => !t.Key.StartsWith("param.", StringComparison.Ordinal))) _env[kv.Key] = 0;
        foreach (var kv in headerValues)
            if (_types.TryGetValue(kv.Key, out var type)) _env[kv.Key] = Wrap(kv.Value, type);
        (_valid, _packetLength) = (valid, packetLength);
        RunBlock(_apply);
        return _env;
    }

    /// <summary>Runs the ingress for one feature packet; returns every header/metadata value afterwards.</summary>
    public Dictionary<string, long> Run(IReadOnlyDictionary<string, long> featureFields)
    {
        _valid = null;
        _env = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in _types.Where(t => !t.Key.StartsWith("param.", StringComparison.Ordinal))) _env[kv.Key] = 0;
        foreach (var kv in featureFields) _env["h.feat." + kv.Key] = Wrap(kv.Value, _types["h.feat." + kv.Key]);
        RunBlock(_apply);
        return _env;
    }

    private static long Number(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal)
            ? long.Parse(text.Substring(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)
            : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> Tokenize(string code)
    {
        var tokens = new List<string>();
        foreach (Match m in Regex.Matches(code, @"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*|0x[0-9A-Fa-f]+|\d+|>=|<=|==|!=|>>|<<|\|\||&&|\S"))
            tokens.Add(m.Value);
        return tokens;
    }

    private void RunBlock(List<string> tokens)
    {
        var (savedTokens, savedPos) = (_tokens, _pos);
        (_tokens, _pos) = (tokens, 0);
        while (_pos < _tokens.Count) Statement(true);
        (_tokens, _pos) = (savedTokens, savedPos);
    }

    private string Peek => _pos < _tokens.Count ? _tokens[_pos] : "";

    private string Next() => _tokens[_pos++];

    private void Expect(string token)
    {
        if (Next() != token) throw new InvalidOperationException($"expected '{token}' near token {_pos}: {string.Join(" ", _tokens.Skip(Math.Max(0, _pos - 8)).Take(16))}");
    }

    private void Statement(bool execute)
    {
        if (Peek == "if")
        {
            Next();
            Expect("(");
            bool cond = Expression().Value != 0;
            Expect(")");
            Compound(execute && cond);
            if (Peek == "else")
            {
                Next();
                if (Peek == "if") Statement(execute && !cond);
                else Compound(execute && !cond);
            }
            return;
        }
        string target = Next();
        if (target == "hash")
        {
            Hash(execute);
            return;
        }
        if (target.EndsWith(".read", StringComparison.Ordinal) || target.EndsWith(".write", StringComparison.Ordinal))
        {
            RegisterAccess(target, execute);
            return;
        }
        if (ActionStatement(target, execute)) return;
        if (target.EndsWith(".apply", StringComparison.Ordinal))
        {
            Expect("("); Expect(")"); Expect(";");
            if (execute) ApplyTable(target.Substring(0, target.Length - ".apply".Length));
            return;
        }
        Expect("=");
        var value = Expression();
        Expect(";");
        if (!execute) return;
        if (target.StartsWith("sm.", StringComparison.Ordinal))
        {
            SetStandardMetadata(target, value.Value);
            return;
        }
        if (!_types.TryGetValue(target, out var type)) throw new InvalidOperationException($"assignment to undeclared '{target}'");
        if (type.Width > 64) _wide[target] = value.Width > 64 ? value.Big : (UInt128)(ulong)value.Value;
        _env[target] = Wrap(value.Value, type);
    }

    /// <summary><c>name.read(dst, index);</c> and <c>name.write(index, value);</c> on a register array.</summary>
    private void RegisterAccess(string target, bool execute)
    {
        bool read = target.EndsWith(".read", StringComparison.Ordinal);
        var register = _registers[target.Substring(0, target.LastIndexOf('.'))];
        Expect("(");
        if (read)
        {
            string destination = Next();
            Expect(",");
            long index = Expression().Value;
            Expect(")"); Expect(";");
            if (!execute) return;
            if (index < 0 || index >= register.Size) throw new InvalidOperationException($"{target}: index {index} outside 0..{register.Size - 1}");
            var cell = register.Cells.TryGetValue(index, out var c) ? c : 0;
            var type = _types[destination];
            if (type.Width > 64) _wide[destination] = cell;
            _env[destination] = Wrap((long)(ulong)(cell & ulong.MaxValue), type);
        }
        else
        {
            long index = Expression().Value;
            Expect(",");
            var value = Expression();
            Expect(")"); Expect(";");
            if (!execute) return;
            if (index < 0 || index >= register.Size) throw new InvalidOperationException($"{target}: index {index} outside 0..{register.Size - 1}");
            UInt128 mask = register.Width >= 128 ? UInt128.MaxValue : (UInt128.One << register.Width) - 1;
            register.Cells[index] = (value.Width > 64 ? value.Big : (UInt128)(ulong)value.Value) & mask;
        }
    }

    /// <summary>
    /// <c>hash(dst, HashAlgorithm.crc32, (bit&lt;32&gt;)base, { fields }, (bit&lt;32&gt;)max);</c>: BMv2 concatenates the
    /// fields' bits (big-endian, declared widths), computes the standard CRC-32 and stores base + crc mod max.
    /// </summary>
    private void Hash(bool execute)
    {
        Expect("(");
        string destination = Next();
        Expect(",");
        string algorithm = Next();
        if (algorithm != "HashAlgorithm.crc32") throw new InvalidOperationException($"hash algorithm {algorithm} is not modelled");
        Expect(",");
        long @base = Expression().Value;
        Expect(",");
        Expect("{");
        var bits = new List<bool>();
        while (true)
        {
            string field = Next();
            var type = _types[field];
            UInt128 v = type.Width > 64 ? (_wide.TryGetValue(field, out var w) ? w : 0) : (UInt128)(ulong)_env[field];
            for (int i = type.Width - 1; i >= 0; i--) bits.Add(((v >> i) & 1) != 0);
            if (Peek == ",") { Next(); continue; }
            Expect("}");
            break;
        }
        Expect(",");
        long max = Expression().Value;
        Expect(")"); Expect(";");
        if (!execute) return;
        if (bits.Count % 8 != 0) throw new InvalidOperationException("hash input is not a whole number of bytes");
        var bytes = new byte[bits.Count / 8];
        for (int i = 0; i < bits.Count; i++) if (bits[i]) bytes[i / 8] |= (byte)(0x80 >> (i % 8));
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(bytes);
        _env[destination] = Wrap(@base + (long)(crc % (ulong)max), _types[destination]);
    }

    private void Compound(bool execute)
    {
        Expect("{");
        while (Peek != "}") Statement(execute);
        Expect("}");
    }

    private void ApplyTable(string name)
    {
        var table = _tables[name];
        if (!table.Entries.TryGetValue(_env[table.Key], out var entry)) return; // default NoAction
        var (ps, body) = _actions[entry.Action];
        for (int i = 0; i < ps.Count; i++) _env["param." + ps[i]] = Wrap(entry.Args[i], _types["param." + ps[i]]);
        RunBlock(body.Select(t => ps.Contains(t) ? "param." + t : t).ToList());
    }

    /// <summary>A value; one wider than 64 bits (an IPv6 address) carries its whole value in <see cref="Big"/>.</summary>
    private readonly record struct Val(long Value, int Width, bool Signed, UInt128 Big = default);

    private static UInt128 BigOf(Val v) => v.Width > 64 ? v.Big : (UInt128)(ulong)v.Value;

    private static long Wrap(long value, (int Width, bool Signed) type)
    {
        if (type.Width >= 64) return value;
        long mask = (1L << type.Width) - 1;
        long v = value & mask;
        if (type.Signed && (v >> (type.Width - 1)) != 0) v -= 1L << type.Width;
        return v;
    }

    private static Val Typed(long value, Val a, Val b)
    {
        var (w, s) = a.Width != 0 ? (a.Width, a.Signed) : (b.Width, b.Signed);
        return w == 0 ? new Val(value, 0, true) : new Val(Wrap(value, (w, s)), w, s);
    }

    // Precedence (P4 = C): || < && < | < & < comparisons < shifts < additive < multiplicative < unary/cast.
    private Val Expression() => LogicalOr();

    private Val LogicalOr()
    {
        var a = LogicalAnd();
        while (Peek == "||") { Next(); var b = LogicalAnd(); a = new Val(a.Value != 0 || b.Value != 0 ? 1 : 0, 1, false); }
        return a;
    }

    private Val LogicalAnd()
    {
        var a = Or();
        while (Peek == "&&") { Next(); var b = Or(); a = new Val(a.Value != 0 && b.Value != 0 ? 1 : 0, 1, false); }
        return a;
    }

    private Val Or()
    {
        var a = And();
        while (Peek == "|") { Next(); var b = And(); a = Typed(a.Value | b.Value, a, b); }
        return a;
    }

    private Val And()
    {
        var a = Comparison();
        while (Peek == "&") { Next(); var b = Comparison(); a = Typed(a.Value & b.Value, a, b); }
        return a;
    }

    private Val Comparison()
    {
        var a = Shift();
        while (Peek is ">=" or "<=" or ">" or "<" or "==" or "!=")
        {
            string op = Next();
            var b = Shift();
            if (a.Width > 64 || b.Width > 64)
            {
                // Wide fields are unsigned: compare their whole values.
                UInt128 x = BigOf(a), y = BigOf(b);
                bool wide = op switch { ">=" => x >= y, "<=" => x <= y, ">" => x > y, "<" => x < y, "==" => x == y, _ => x != y };
                a = new Val(wide ? 1 : 0, 1, false);
                continue;
            }
            bool r = op switch
            {
                ">=" => a.Value >= b.Value,
                "<=" => a.Value <= b.Value,
                ">" => a.Value > b.Value,
                "<" => a.Value < b.Value,
                "==" => a.Value == b.Value,
                _ => a.Value != b.Value,
            };
            a = new Val(r ? 1 : 0, 1, false);
        }
        return a;
    }

    private Val Shift()
    {
        var a = Additive();
        while (Peek is ">>" or "<<")
        {
            string op = Next();
            var b = Additive();
            // Values are kept sign-correct, so >> on a signed value is arithmetic, on unsigned logical;
            // << keeps the left operand's width.
            a = op == "<<" ? Typed(a.Value << (int)b.Value, a, a) : new Val(a.Value >> (int)b.Value, a.Width, a.Signed);
        }
        return a;
    }

    private Val Additive()
    {
        var a = Multiplicative();
        while (Peek is "+" or "-")
        {
            string op = Next();
            var b = Multiplicative();
            a = Typed(op == "+" ? a.Value + b.Value : a.Value - b.Value, a, b);
        }
        return a;
    }

    private Val Multiplicative()
    {
        var a = Unary();
        while (Peek == "*") { Next(); var b = Unary(); a = Typed(unchecked(a.Value * b.Value), a, b); }
        return a;
    }

    private Val Unary()
    {
        if (Peek == "~") { Next(); var v = Unary(); return new Val(Wrap(~v.Value, (v.Width, false)), v.Width, false); }
        if (Peek == "-") { Next(); var v = Unary(); return v.Width == 0 ? new Val(-v.Value, 0, true) : new Val(Wrap(-v.Value, (v.Width, v.Signed)), v.Width, v.Signed); }
        if (Peek == "(" && _pos + 5 < _tokens.Count && _tokens[_pos + 1] is "int" or "bit" && _tokens[_pos + 2] == "<")
        {
            Next();
            bool signed = Next() == "int";
            Expect("<");
            int width = int.Parse(Next());
            Expect(">");
            Expect(")");
            var v = Unary();
            return new Val(Wrap(v.Value, (width, signed)), width, signed);
        }
        if (Peek == "(") { Next(); var v = Expression(); Expect(")"); return v; }
        string token = Next();
        if (char.IsDigit(token[0])) return new Val(Number(token), 0, true);
        if (token.StartsWith("h.", StringComparison.Ordinal) && token.EndsWith(".isValid", StringComparison.Ordinal))
        {
            Expect("("); Expect(")");
            string instance = token.Substring(2, token.Length - 2 - ".isValid".Length);
            return new Val(_valid is null ? (instance == "feat" ? 1 : 0) : _valid.Contains(instance) ? 1 : 0, 1, false);
        }
        if (token == "sm.packet_length") return new Val(_packetLength, 32, false);
        if (token == "sm.ingress_global_timestamp") return new Val(_timestamp & ((1L << 48) - 1), 48, false);
        if (token.StartsWith("sm.", StringComparison.Ordinal)) return new Val(StandardMetadata(token), 9, false); // ports as set; other standard metadata: 0
        if (!_types.TryGetValue(token, out var type)) throw new InvalidOperationException($"read of undeclared '{token}'");
        if (type.Width > 64) return new Val(_env[token], type.Width, false, _wide.TryGetValue(token, out var wide) ? wide : 0);
        return new Val(_env[token], type.Width, type.Signed);
    }
}

/// <summary>
/// Executes the parser of an emitted v1model program on a frame: states, <c>pkt.extract(h.x);</c> (big-endian
/// bit fields in declaration order; a header that does not fit stops the parser, as a PacketTooShort error
/// does, leaving the headers extracted before it valid), <c>transition select(field) { value: state; ...
/// default: state; }</c> and <c>transition state;</c>. Independent of the emitter's code. A TNA ingress
/// parser runs too: name it, and give the sizes of what its start state takes before the frame
/// (<c>pkt.extract(ig_md)</c>, <c>pkt.advance(PORT_METADATA_SIZE)</c>); the frame passed in must then start
/// with those bytes, as the Tofino parser sees it.
/// </summary>
internal sealed class P4ParserEvaluator
{
    private readonly IReadOnlyDictionary<string, int> _intrinsicBits;
    private readonly Dictionary<string, List<(string Name, int Width)>> _headerTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _constants = new(StringComparer.Ordinal);

    public P4ParserEvaluator(string program, string parserName = "ParserImpl", IReadOnlyDictionary<string, int>? intrinsicBits = null)
    {
        _intrinsicBits = intrinsicBits ?? new Dictionary<string, int>();
        string code = P4Text.StripLineComments(program);
        foreach (Match h in Regex.Matches(code, @"header\s+(\w+)\s*\{([^}]*)\}"))
            _headerTypes[h.Groups[1].Value] = Regex.Matches(h.Groups[2].Value, @"bit<(\d+)>\s+(\w+)\s*;").Select(f => (f.Groups[2].Value, int.Parse(f.Groups[1].Value))).ToList();
        foreach (Match m in Regex.Matches(P4Text.Block(code, "struct headers_t {"), @"(\w+)\s+(\w+)\s*;")) _instances[m.Groups[2].Value] = m.Groups[1].Value;
        foreach (Match c in Regex.Matches(code, @"const\s+bit<\d+>\s+(\w+)\s*=\s*(0x[0-9A-Fa-f]+|\d+)\s*;")) _constants[c.Groups[1].Value] = Number(c.Groups[2].Value);
        string parser = P4Text.Block(code, $"parser {parserName}(");
        foreach (Match st in Regex.Matches(parser, @"state\s+(\w+)\s*\{")) _states[st.Groups[1].Value] = P4Text.Block(parser, st.Value);
    }

    private long Number(string text) =>
        _constants.TryGetValue(text, out long c) ? c
        : text.StartsWith("0x", StringComparison.Ordinal) ? long.Parse(text.Substring(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)
        : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    public (Dictionary<string, long> Values, HashSet<string> Valid) Run(byte[] frame)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        var valid = new HashSet<string>(StringComparer.Ordinal);
        Wide.Clear();
        long bit = 0;
        string state = "start";
        for (int steps = 0; steps < 100 && state != "accept"; steps++)
        {
            string body = _states[state];
            foreach (Match e in Regex.Matches(body, @"pkt\.(extract|advance)\(([\w.]+)\)\s*;"))
            {
                if (_intrinsicBits.TryGetValue(e.Groups[2].Value, out int skipped))
                {
                    if (bit + skipped > frame.Length * 8L) return (values, valid);
                    bit += skipped;
                    continue;
                }
                string instance = e.Groups[2].Value.Substring(2);
                var fields = _headerTypes[_instances[instance]];
                int size = fields.Sum(f => f.Width);
                if (bit + size > frame.Length * 8L) return (values, valid);   // PacketTooShort: the parser stops
                foreach (var (name, width) in fields)
                {
                    values[$"h.{instance}.{name}"] = ReadBits(frame, bit, width);
                    if (width > 64) Wide[$"h.{instance}.{name}"] = ReadWide(frame, bit, width);
                    bit += width;
                }
                valid.Add(instance);
            }
            var select = Regex.Match(body, @"transition\s+select\(([\w.]+)\)\s*\{([^}]*)\}");
            if (select.Success)
            {
                long key = values[select.Groups[1].Value];
                string next = "accept";
                foreach (Match c in Regex.Matches(select.Groups[2].Value, @"(\w+)\s*:\s*(\w+)\s*;"))
                {
                    if (c.Groups[1].Value == "default" || Number(c.Groups[1].Value) == key)
                    {
                        next = c.Groups[2].Value;
                        break;
                    }
                }
                state = next;
            }
            else state = Regex.Match(body, @"transition\s+(\w+)\s*;").Groups[1].Value;
        }
        return (values, valid);
    }

    /// <summary>Fields wider than 64 bits (IPv6 addresses) of the last run, whole.</summary>
    public Dictionary<string, UInt128> Wide { get; } = new(StringComparer.Ordinal);

    private static UInt128 ReadWide(byte[] frame, long start, int width)
    {
        UInt128 value = 0;
        for (int i = 0; i < width; i++)
        {
            long b = start + i;
            value = (value << 1) | (uint)((frame[b / 8] >> (7 - (int)(b % 8))) & 1);
        }
        return value;
    }

    private static long ReadBits(byte[] frame, long start, int width)
    {
        ulong value = 0;
        for (int i = 0; i < width; i++)
        {
            long b = start + i;
            value = (value << 1) | (uint)((frame[b / 8] >> (7 - (int)(b % 8))) & 1);
        }
        return (long)value;   // fields wider than 64 bits keep their low 64 bits (never read by the model)
    }
}
