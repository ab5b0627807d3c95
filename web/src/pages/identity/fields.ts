// Display names of the fields the matcher compares and of the profile fields shown side by side in a review.
const NAMES: Record<string, [string, string]> = {
  given: ['名', 'Given name'], surname: ['姓', 'Surname'], birthDate: ['生日', 'Birth date'], idNumber: ['证件号', 'ID number'],
  phone: ['手机', 'Phone'], email: ['邮箱', 'Email'], streetNumber: ['门牌号', 'Street number'], street: ['街道', 'Street'],
  locality: ['小区/楼宇', 'Locality'], city: ['城市', 'City'], postcode: ['邮编', 'Postcode'], region: ['省份', 'Region'],
  address: ['地址', 'Address'], name: ['姓名', 'Name'], birthday: ['生日', 'Birthday'], province: ['省份', 'Province'],
};

export const fieldName = (field: string, zh: boolean) => NAMES[field]?.[zh ? 0 : 1] ?? field;

/** Profile fields in the order a reviewer reads them. */
export const PROFILE_FIELDS = ['name', 'phone', 'email', 'birthday', 'address', 'city', 'province', 'postcode'] as const;
