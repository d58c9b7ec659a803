package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// CAPTCHA: a realm requires one by setting the attributes
// registrationCaptchaVerifyUrl (the provider's siteverify URL: Cloudflare
// Turnstile, hCaptcha and reCAPTCHA share its form) and
// registrationCaptchaSecret; registrationCaptchaSiteKey is published to
// apps with the rules.

func captchaRequired(r *model.Realm) bool {
	return strings.TrimSpace(r.Attributes["registrationCaptchaVerifyUrl"]) != ""
}

// verifyCaptcha asks the realm's verifier whether token is a solved
// challenge. An unreachable verifier is an error (the caller fails closed).
func (h *Handler) verifyCaptcha(ctx context.Context, r *model.Realm, token, ip string) (bool, error) {
	if strings.TrimSpace(token) == "" {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	form := url.Values{"secret": {r.Attributes["registrationCaptchaSecret"]}, "response": {token}, "remoteip": {ip}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Attributes["registrationCaptchaVerifyUrl"],
		strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := h.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("CAPTCHA verifier answered %s", resp.Status)
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return false, err
	}
	return out.Success, nil
}
