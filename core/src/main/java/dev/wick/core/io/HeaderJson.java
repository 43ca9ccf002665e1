package dev.wick.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON a safetensors header needs, strictly: objects (duplicate keys refused), arrays,
 * strings and non-negative integers; nothing else (no fractions, exponents, booleans or null).
 * Parsed values are LinkedHashMap, ArrayList, String and Long. A damaged header fails here with
 * the position of the fault rather than being read leniently.
 */
final class HeaderJson {
    private final String text;
    private int pos;

    private HeaderJson(String text) {
        this.text = text;
    }

    /** The value of the whole text (trailing whitespace allowed: headers are padded with spaces). */
    static Object parse(String text) {
        HeaderJson p = new HeaderJson(text);
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.fault("unexpected text after the header object");
        return value;
    }

    private Object value(int depth) {
        if (depth > 8) throw fault("nesting too deep");
        skipWhitespace();
        if (pos >= text.length()) throw fault("unexpected end");
        char c = text.charAt(pos);
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return string();
        if (c >= '0' && c <= '9') return integer();
        throw fault("unexpected '" + c + "'");
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw fault("expected a key");
            String key = string();
            skipWhitespace();
            expect(':');
            if (m.containsKey(key)) throw fault("duplicate key \"" + key + "\"");
            m.put(key, value(depth + 1));
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return m;
            }
        }
    }

    private List<Object> array(int depth) {
        List<Object> list = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value(depth + 1));
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return list;
            }
        }
    }

    private String string() {
        pos++; // the opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw fault("unterminated string");
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw fault("control character in a string");
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) throw fault("unterminated escape");
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) throw fault("short \\u escape");
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(text.charAt(pos++), 16);
                        if (digit < 0) throw fault("bad \\u escape");
                        code = code * 16 + digit;
                    }
                    sb.append((char) code);
                }
                default -> throw fault("bad escape \\" + e);
            }
        }
    }

    private Long integer() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        if (pos < text.length() && ".eE-+".indexOf(text.charAt(pos)) >= 0) throw fault("only whole numbers belong in a header");
        String digits = text.substring(start, pos);
        if (digits.length() > 1 && digits.charAt(0) == '0') throw fault("leading zero in " + digits);
        if (digits.length() > 18) throw fault("number " + digits + " too large");
        return Long.parseLong(digits);
    }

    private char peek() {
        if (pos >= text.length()) throw fault("unexpected end");
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) throw fault("expected '" + c + "'");
        pos++;
    }

    private void skipWhitespace() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) pos++;
    }

    private IllegalArgumentException fault(String what) {
        return new IllegalArgumentException(what + " at character " + pos);
    }

    // ---- writing ----------------------------------------------------------------------------------

    static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
